package dev.ember.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ember} command line: {@code ember serve | generate | model create | bench latency}.
 *
 * <pre>{@code ./ember generate --prompt "Hello" --max-tokens 32}</pre>
 */
@Command(
    name = "ember",
    mixinStandardHelpOptions = true,
    version = "ember 0.1.0",
    description = "Serverless runtime for LLM inference functions.",
    subcommands = {ServeCommand.class, GenerateCommand.class, ModelCommand.class, BenchCommand.class, InvokeCommand.class})
public final class EmberCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    int code = new CommandLine(new EmberCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }
}
