# gbrt_module(NAME SOURCES... DEPS...): one library target per module, gbrt::NAME,
# public headers in NAME/include, implementation in NAME/src. Installed and exported as
# gbrt::NAME, so a consumer's find_package(gbrt) sees the same names as add_subdirectory.
function(gbrt_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(gbrt_${name} STATIC ${ARG_SOURCES})
  add_library(gbrt::${name} ALIAS gbrt_${name})
  set_target_properties(gbrt_${name} PROPERTIES OUTPUT_NAME gbrt_${name} EXPORT_NAME ${name})
  target_include_directories(gbrt_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(gbrt_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  gbrt_install_library(gbrt_${name})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
endfunction()

# The separate-compilation libraries (gbrt::asio, gbrt::beast) are installed the same way.
function(gbrt_install_library target)
  install(TARGETS ${target} EXPORT gbrtTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
endfunction()
