package dev.ember.cli;

import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes a command's option defaults from the environment: {@code --kv-cache-memory} from
 * {@code EMBER_KV_CACHE_MEMORY}, {@code --protect-operations} from {@code EMBER_PROTECT_OPERATIONS=true}.
 * Flags on the command line still win; an unset variable leaves the built-in default. Repeatable options
 * are left out ({@code --api-key} reads its comma-separated {@code EMBER_API_KEY} itself), and so are
 * {@code --help} and {@code --version}. Containers set serve options this way.
 *
 * <pre>{@code @Command(name = "serve", defaultValueProvider = EnvironmentDefaults.class) }</pre>
 */
public final class EnvironmentDefaults implements IDefaultValueProvider {
  /** Prefix of every variable. */
  public static final String PREFIX = "EMBER_";

  private final UnaryOperator<String> environment;

  /** Reads the process environment. */
  public EnvironmentDefaults() {
    this(System::getenv);
  }

  public EnvironmentDefaults(UnaryOperator<String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** The variable that sets {@code option}, or null when it has none. */
  public static String variableFor(OptionSpec option) {
    if (option.usageHelp() || option.versionHelp() || option.isMultiValue() || !option.longestName().startsWith("--")) {
      return null;
    }
    return PREFIX + option.longestName().substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    String variable = variableFor(option);
    String value = variable == null ? null : environment.apply(variable);
    return value == null || value.isBlank() ? null : value.strip();
  }
}
