# The installed tree: the CMake package (find_package(gbrt)), gbrt.pc, the systemd unit and
# its config file, fixtures, completion, and the two .debs built from it (cpack -G DEB).
include(CMakePackageConfigHelpers)

set(GBRT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gbrt)
install(EXPORT gbrtTargets NAMESPACE gbrt:: DESTINATION ${GBRT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/gbrtConfig.cmake.in
  ${PROJECT_BINARY_DIR}/gbrtConfig.cmake INSTALL_DESTINATION ${GBRT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gbrtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)  # 0.x: a minor version may break the API
install(FILES ${PROJECT_BINARY_DIR}/gbrtConfig.cmake ${PROJECT_BINARY_DIR}/gbrtConfigVersion.cmake
  DESTINATION ${GBRT_CMAKE_DIR} COMPONENT dev)

# gbrt.pc finds the prefix from its own place (${pcfiledir}): right under any install prefix.
file(RELATIVE_PATH GBRT_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/gbrt.pc.in ${PROJECT_BINARY_DIR}/gbrt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gbrt.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)

# The service: the unit and its config file get the paths of the prefix given at install
# time (gbrt_install_service.cmake); a separate component, so an install into a private
# prefix can leave it out.
install(CODE "
  set(gbrt_packaging_dir \"${PROJECT_SOURCE_DIR}/packaging\")
  set(gbrt_binary_dir \"${PROJECT_BINARY_DIR}\")
  set(gbrt_bindir \"${CMAKE_INSTALL_BINDIR}\")
  set(gbrt_sysconfdir \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(gbrt_docdir \"${CMAKE_INSTALL_DOCDIR}\")" COMPONENT service)
install(SCRIPT ${PROJECT_SOURCE_DIR}/cmake/gbrt_install_service.cmake COMPONENT service)

# The event fixtures, for gbrt-send, gbrt-loadgen and HandlerHarness (runtime/fixtures.hpp);
# the build tree has them at the same place relative to its programs.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/tests/fixtures/ DESTINATION ${CMAKE_INSTALL_DATADIR}/gbrt/fixtures
  COMPONENT server FILES_MATCHING PATTERN "*.json" PATTERN bad EXCLUDE)
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_DATADIR}/gbrt)
file(CREATE_LINK ${PROJECT_SOURCE_DIR}/tests/fixtures
  ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_DATADIR}/gbrt/fixtures SYMBOLIC)

# The Grafana dashboard and the Prometheus alert rules (docs/operations.md).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/packaging/monitoring/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/gbrt/monitoring COMPONENT service)

# Bash completion, loaded by bash-completion on a program's first use (one file per name).
foreach(program gbrt-server gbrt-send gbrt-loadgen)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/gbrt.bash-completion
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${program}
    COMPONENT server)
endforeach()

file(GLOB GBRT_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${GBRT_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}
  COMPONENT service)

# Two packages: gbrt-server (the programs, the unit, the config, man pages, completion,
# fixtures, docs) and libgbrt-dev (headers, static libraries, the CMake package, gbrt.pc).
if(PROJECT_IS_TOP_LEVEL)
  set(CPACK_PACKAGE_VENDOR "gbrt")
  set(CPACK_PACKAGE_CONTACT "gbrt maintainers <gbrt@localhost>")
  set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
  # Installed with DESTDIR, so that the install scripts see the package's own prefix, /usr
  # (whatever prefix this tree was configured with).
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_INSTALL_PREFIX /usr)
  set(CPACK_SET_DESTDIR ON)
  set(CPACK_DEB_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  # Both take over from the single package `gbrt` of earlier versions.
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS gbrt)
  set(CPACK_DEBIAN_PACKAGE_REPLACES gbrt)

  set(CPACK_DEBIAN_SERVERPKG_PACKAGE_NAME gbrt-server)
  set(CPACK_DEBIAN_SERVERPKG_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_SERVERPKG_PACKAGE_SHLIBDEPS ON)  # Depends: from the programs' libraries
  # /etc/gbrt/gbrt-server.conf is a conffile: an upgrade keeps the administrator's edits.
  set(CPACK_DEBIAN_SERVERPKG_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/packaging/conffiles)

  set(CPACK_DEBIAN_DEVPKG_PACKAGE_NAME libgbrt-dev)
  set(CPACK_DEBIAN_DEVPKG_PACKAGE_SECTION libdevel)
  # What find_package(gbrt) and gbrt.pc need (gbrtConfig.cmake, gbrt.pc's Requires).
  set(CPACK_DEBIAN_DEVPKG_PACKAGE_DEPENDS
    "libboost1.81-dev, libsimdjson-dev, libspdlog-dev, libssl-dev (>= 3), libsodium-dev, libnats-dev (>= 3.3), libpq-dev, pkg-config")
  set(CPACK_DEBIAN_DEVPKG_PACKAGE_SUGGESTS "gbrt-server")  # its fixtures, for HandlerHarness

  include(CPack)
  cpack_add_component_group(serverpkg DISPLAY_NAME gbrt-server
    DESCRIPTION "gbrt-server, gbrt-send and gbrt-loadgen, the systemd unit and its config")
  cpack_add_component_group(devpkg DISPLAY_NAME libgbrt-dev
    DESCRIPTION "Headers, static libraries, CMake package and gbrt.pc of the gbrt runtime")
  cpack_add_component(server GROUP serverpkg)
  cpack_add_component(service GROUP serverpkg)
  cpack_add_component(dev GROUP devpkg)
endif()
