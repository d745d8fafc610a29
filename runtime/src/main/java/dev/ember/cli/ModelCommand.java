package dev.ember.cli;

import picocli.CommandLine.Command;

/** {@code ember model ...}: model file tools. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Model file tools.",
    subcommands = {ModelCreateCommand.class})
public final class ModelCommand {}
