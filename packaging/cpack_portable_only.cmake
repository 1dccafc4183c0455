# Read by cpack before it builds, installs or writes anything
# (CPACK_PROJECT_CONFIG_FILE, set in packaging.cmake).
if(CPACK_ATTNLAB_NOT_PORTABLE)
  message(FATAL_ERROR
    "attnlab: no package from this build: ${CPACK_ATTNLAB_NOT_PORTABLE}. "
    "Make the package from a portable build:\n"
    "  cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTNLAB_NATIVE=OFF -DATTNLAB_BUILD_TESTS=OFF\n"
    "  cmake --build build-deb\n"
    "  cd build-deb && cpack -G DEB")
endif()
