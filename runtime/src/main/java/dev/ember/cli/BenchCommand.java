package dev.ember.cli;

import picocli.CommandLine.Command;

/** {@code ember bench ...}: benchmarks that print figures (never asserted in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
    subcommands = {BenchLatencyCommand.class, BenchThroughputCommand.class, BenchServeCommand.class,
        BenchKafkaCommand.class, BenchColdstartCommand.class, BenchRouterCommand.class, BenchSoakCommand.class,
        BenchForwardCommand.class})
public final class BenchCommand {}
