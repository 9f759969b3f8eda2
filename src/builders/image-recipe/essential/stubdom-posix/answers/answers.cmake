# CMake answers for the stubdom newlib target, read by the toolchain file (CMAKE_TOOLCHAIN_FILE
# in the builder image): what CMake's Generic platform cannot find out itself.
