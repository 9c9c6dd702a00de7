# The installed tree: the CMake package (find_package(gbrt)), gbrt.pc, the systemd unit and
# its config file, and the .deb built from all of it (cpack -G DEB).
include(CMakePackageConfigHelpers)

set(GBRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gbrt)
install(EXPORT gbrtTargets NAMESPACE gbrt:: DESTINATION ${GBRT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gbrtConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gbrtConfig.cmake INSTALL_DESTINATION ${GBRT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gbrtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor version may break the API
install(FILES ${PROJECT_BINARY_DIR}/gbrtConfig.cmake ${PROJECT_BINARY_DIR}/gbrtConfigVersion.cmake
  DESTINATION ${GBRT_CMAKE_DIR} COMPONENT dev)

configure_file(${PROJECT_SOURCE_DIR}/cmake/gbrt.pc.in ${PROJECT_BINARY_DIR}/gbrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gbrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)

# The service. The config file goes to the absolute /etc (GNUInstallDirs maps prefix /usr to
# it); a separate component, so an install into a private prefix can leave it out.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/gbrt-server.service
  DESTINATION lib/systemd/system COMPONENT service)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/gbrt-server.conf
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/gbrt COMPONENT service)

file(GLOB GBRT_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${GBRT_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT service)

if(PROJECT_IS_TOP_LEVEL)
  set(CPACK_PACKAGE_NAME gbrt)
  set(CPACK_PACKAGE_VENDOR "gbrt")
  set(CPACK_PACKAGE_CONTACT "gbrt maintainers <gbrt@localhost>")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binaries' shared libraries
  # /etc/gbrt/gbrt-server.conf is a conffile: an upgrade keeps the administrator's edits.
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/conffiles)
  include(CPack)
endif()
