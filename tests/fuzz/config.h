/*
 * config.h - what the tools/ sources take from configure, for the fuzz
 * targets: tests/fuzz/run.sh compiles them straight from the source tree
 * with -I tests/fuzz, so this file stands in for the build tree's.
 */
#ifndef MUSTER_FUZZ_CONFIG_H
#define MUSTER_FUZZ_CONFIG_H

#define PACKAGE_VERSION "fuzz"
#define MUSTER_BINDIR "/nonexistent"
#define MUSTERD_WWW "/nonexistent"

#endif
