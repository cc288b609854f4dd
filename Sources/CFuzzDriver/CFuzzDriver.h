#ifndef KILN_CFUZZDRIVER_H
#define KILN_CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*KilnFuzzCallback)(const uint8_t *data, size_t size);

/* libFuzzer's driver (compiler-rt's fuzzer_no_main library). The reference is weak: an ordinary build of kiln-fuzz
 * links without libFuzzer and sees NULL here; .ci/fuzz links the library in and makes the reference resolve.
 * libFuzzer's own `main` cannot be used, because SwiftPM names an executable's entry point itself. */
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, KilnFuzzCallback callback) __attribute__((weak));

/* Runs libFuzzer on `callback` with the command line's options; -1 when kiln-fuzz was built without libFuzzer. */
static inline int kiln_fuzz_run_driver(int *argc, char ***argv, KilnFuzzCallback callback) {
    return LLVMFuzzerRunDriver ? LLVMFuzzerRunDriver(argc, argv, callback) : -1;
}

#endif
