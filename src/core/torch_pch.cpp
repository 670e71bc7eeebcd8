// Compiles the shared LibTorch precompiled header once; other targets reuse it (REUSE_FROM).
#include "unict/core/torch_pch.h"
