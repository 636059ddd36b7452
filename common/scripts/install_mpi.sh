#!/bin/sh
# Makes sure Open MPI (mpicc, mpirun) is installed, through the system package
# manager: chapter 09's expert parallelism is built and tested only where it is.
# Called by .ci/run, so that CI covers that path; a reader never needs it.
command -v mpicc >/dev/null 2>&1 && command -v mpirun >/dev/null 2>&1 && exit 0
echo "Open MPI is missing; installing it (chapter 09's expert parallelism)..."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openmpi-bin libopenmpi-dev
elif command -v brew >/dev/null 2>&1; then
    brew install open-mpi
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y openmpi-devel
else
    echo "No apt-get, brew or dnf found: install Open MPI by hand to build chapter 09's MPI part." >&2
    exit 1
fi
command -v mpicc >/dev/null 2>&1 || { echo "mpicc still not found after installing Open MPI" >&2; exit 1; }
