package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ember.cli.EmberCommand;
import dev.ember.cli.EnvironmentDefaults;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * An {@code ember} command line as a deployment file gives it (arguments plus environment), parsed by
 * the program's own picocli parser ({@link EmberCommand}, {@code serve} with {@link EnvironmentDefaults}
 * reading the given environment), so an unknown flag, a bad value or a misspelled variable fails here.
 *
 * <pre>{@code ServeCommandLine serve = ServeCommandLine.parse(List.of("serve", "--port", "8000"), env, "k8s/cpu"); }</pre>
 */
final class ServeCommandLine {
  private final CommandSpec spec;
  private final String where;

  private ServeCommandLine(CommandSpec spec, String where) {
    this.spec = spec;
    this.where = where;
  }

  /** Parses {@code args} (starting with the subcommand, {@code serve}) with {@code env} as the process environment. */
  static ServeCommandLine parse(List<String> args, Map<String, String> env, String where) {
    Set<String> missing = missingClusterOptions();
    List<String> used = args.stream().filter(missing::contains).toList();
    if (!used.isEmpty()) {
      fail(where + " passes " + used + ", which ember serve does not accept (ClusterUse.OPTIONS)");
    }
    CommandLine root = new CommandLine(new EmberCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    CommandLine serve = root.getSubcommands().get("serve");
    serve.setDefaultValueProvider(new EnvironmentDefaults(env::get));
    try {
      CommandLine.ParseResult result = root.parseArgs(args.toArray(String[]::new));
      assertEquals("serve", result.subcommand() == null ? null : result.subcommand().commandSpec().name(),
          where + ": the command is not `ember serve`: " + args);
    } catch (ParameterException e) {
      fail(where + ": ember " + String.join(" ", args) + " is refused by the parser: " + e.getMessage());
    }
    for (Map.Entry<String, String> v : env.entrySet()) {
      String problem = variableProblem(v.getKey());
      if (problem != null) {
        fail(where + ": " + problem);
      }
    }
    return new ServeCommandLine(serve.getCommandSpec(), where);
  }

  /** The option's value after parsing: from the arguments, else the environment, else its default. */
  @SuppressWarnings("unchecked")
  <T> T value(String option) {
    OptionSpec o = spec.findOption(option);
    if (o == null) {
      fail(where + ": ember serve has no option " + option);
    }
    return (T) o.getValue();
  }

  /** The cluster options that ServeCommand does not have (yet). */
  static Set<String> missingClusterOptions() {
    CommandSpec serve = new CommandLine(new EmberCommand()).getSubcommands().get("serve").getCommandSpec();
    return ClusterUse.OPTIONS.stream().filter(o -> serve.findOption(o) == null).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * Null when Ember reads {@code name}, else why not. An {@code EMBER_*} variable must set a serve option
   * (through {@link EnvironmentDefaults}) or be read by the program itself: named in the runtime's sources
   * (EMBER_API_KEY, EMBER_HOME, EMBER_LOG_LEVEL), the launcher (EMBER_JAVA_OPTS) or a shipped function
   * manifest (EMBER_MODELS). Other variables (the platform's own) are not Ember's business.
   */
  static String variableProblem(String name) {
    if (!name.startsWith(EnvironmentDefaults.PREFIX)) {
      return null;
    }
    CommandSpec serve = new CommandLine(new EmberCommand()).getSubcommands().get("serve").getCommandSpec();
    for (OptionSpec o : serve.options()) {
      if (name.equals(EnvironmentDefaults.variableFor(o))) {
        return null;
      }
    }
    if (PROGRAM_VARIABLES.contains(name)) {
      return null;
    }
    return name + " is neither an ember serve option's variable nor read by Ember";
  }

  private static final Set<String> PROGRAM_VARIABLES = programVariables();

  private static Set<String> programVariables() {
    Set<String> names = new TreeSet<>();
    var literal = java.util.regex.Pattern.compile("\"(EMBER_[A-Z0-9_]+)\"");
    var shell = java.util.regex.Pattern.compile("\\$\\{(EMBER_[A-Z0-9_]+)");
    try (Stream<Path> java = Files.walk(RepositoryFiles.file("runtime/src/main/java"));
        Stream<Path> manifests = Stream.concat(Files.walk(RepositoryFiles.file("functions")),
            Files.walk(RepositoryFiles.file("k8s")))) {
      java.filter(p -> p.toString().endsWith(".java")).forEach(p -> literal.matcher(RepositoryFiles.text(p)).results()
          .forEach(m -> names.add(m.group(1))));
      manifests.filter(p -> p.toString().endsWith(".yaml") && p.toString().contains("functions"))
          .forEach(p -> shell.matcher(RepositoryFiles.text(p)).results().forEach(m -> names.add(m.group(1))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    shell.matcher(RepositoryFiles.text(RepositoryFiles.file("deploy/bin/ember"))).results().forEach(m -> names.add(m.group(1)));
    return names;
  }
}
