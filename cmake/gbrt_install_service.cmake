# Run by `cmake --install` (install(SCRIPT)): the systemd unit and the config file, with the
# paths of the prefix given at install time (`--prefix P`), not the one configured.
# GNUInstallDirs' rule for the config: prefix /usr puts it in /etc, any other prefix in P/etc.
# CPack installs with DESTDIR (CPACK_SET_DESTDIR), so a package sees its own /usr.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(GBRT_CONFDIR /etc/gbrt)
else()
  set(GBRT_CONFDIR "${CMAKE_INSTALL_PREFIX}/${gbrt_sysconfdir}/gbrt")
endif()
set(GBRT_BINDIR "${CMAKE_INSTALL_PREFIX}/${gbrt_bindir}")
set(GBRT_DOCDIR "${CMAKE_INSTALL_PREFIX}/${gbrt_docdir}")

foreach(file gbrt-server.service gbrt-server.conf)
  configure_file("${gbrt_packaging_dir}/${file}.in" "${gbrt_binary_dir}/packaging/${file}" @ONLY)
endforeach()
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
  FILES "${gbrt_binary_dir}/packaging/gbrt-server.service")
file(INSTALL DESTINATION "${GBRT_CONFDIR}" TYPE FILE
  FILES "${gbrt_binary_dir}/packaging/gbrt-server.conf")
