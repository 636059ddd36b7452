# Sourced by the PyTorch comparisons (compare_bert.sh, compare_moe.sh): sets $py to a
# python3 that imports torch (empty when there is none) and names Debian's OpenBLAS the
# kernels of this CPU, which Debian 12's build takes for its oldest ones otherwise.
py=""
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import torch" 2>/dev/null; then py=$p; break; fi
done
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=SkylakeX
elif grep -q avx2 /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=Haswell; fi
