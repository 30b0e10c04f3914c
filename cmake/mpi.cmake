# Multi-process training over MPI (issue 8). Included by the top-level CMakeLists.txt after
# linlearn_lib is defined. ON by default when an MPI C++ library is found (Debian: libopenmpi-dev).
# Only src/mpi/mpi_*.cpp talk to MPI; src/mpi/distribution.cpp is plain C++ and always built, so
# --distribution and its tests exist in both builds.
find_package(MPI COMPONENTS CXX QUIET)
option(LINLEARN_WITH_MPI "Build with MPI (multi-process training under mpirun, srun or the MPI Operator)"
       ${MPI_CXX_FOUND})

file(GLOB LINLEARN_MPI_ONLY_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/mpi/mpi_*.cpp)
if(LINLEARN_WITH_MPI)
  if(NOT MPI_CXX_FOUND)
    message(FATAL_ERROR "LINLEARN_WITH_MPI is ON but no MPI C++ library was found (install libopenmpi-dev)")
  endif()
  target_link_libraries(linlearn_lib PUBLIC MPI::MPI_CXX)
  target_compile_definitions(linlearn_lib PUBLIC LINLEARN_WITH_MPI=1)
  message(STATUS "linlearn: MPI ${MPI_CXX_VERSION} enabled")
else()
  # The top-level glob lists these sources too; keep them out of the build without MPI.
  set_source_files_properties(${LINLEARN_MPI_ONLY_SOURCES} PROPERTIES HEADER_FILE_ONLY ON)
  message(STATUS "linlearn: MPI disabled")
endif()
