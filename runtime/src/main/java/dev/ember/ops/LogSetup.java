package dev.ember.ops;

import java.util.List;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Configures java.util.logging for the server: one {@link KeyValueFormatter} line per record on
 * stderr (stdout stays for command output), at the level of {@code EMBER_LOG_LEVEL} (TRACE, DEBUG,
 * INFO, WARN, ERROR or a JUL name; default INFO), with Netty and Vert.x internals capped at INFO.
 * SLF4J users (DJL, jinjava, Netty) reach the same handler through slf4j-jdk14 on the classpath.
 *
 * <pre>{@code LogSetup.installFromEnvironment(); }</pre>
 */
public final class LogSetup {
  /** Environment variable naming the log level. */
  public static final String LEVEL_ENV = "EMBER_LOG_LEVEL";
  public static final Level DEFAULT_LEVEL = Level.INFO;

  /** Loggers given their own level; held here because JUL keeps loggers only weakly. */
  private static final List<Logger> CAPPED = List.of(Logger.getLogger("io.netty"), Logger.getLogger("io.vertx"));
  /** Client libraries whose INFO lines (Kafka prints its whole configuration per client) are noise. */
  private static final List<Logger> QUIET = List.of(Logger.getLogger("org.apache.kafka"));

  private LogSetup() {}

  /** Installs the formatter at the level {@code EMBER_LOG_LEVEL} names. */
  public static void installFromEnvironment() {
    install(parseLevel(System.getenv(LEVEL_ENV)));
  }

  /** Replaces every JUL handler by one stderr handler with {@link KeyValueFormatter} at {@code level}. */
  public static void install(Level level) {
    LogManager.getLogManager().reset();
    Logger root = Logger.getLogger("");
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new KeyValueFormatter());
    handler.setLevel(level);
    root.addHandler(handler);
    root.setLevel(level);
    Level capped = level.intValue() < Level.INFO.intValue() ? Level.INFO : level;
    for (Logger l : CAPPED) {
      l.setLevel(capped);
    }
    Level quiet = level.intValue() < Level.WARNING.intValue() ? Level.WARNING : level;
    for (Logger l : QUIET) {
      l.setLevel(quiet);
    }
  }

  /** A level from SLF4J-style or JUL names, case-insensitive; null or blank gives {@link #DEFAULT_LEVEL}. */
  public static Level parseLevel(String name) {
    if (name == null || name.isBlank()) {
      return DEFAULT_LEVEL;
    }
    return switch (name.trim().toUpperCase(Locale.ROOT)) {
      case "TRACE" -> Level.FINEST;
      case "DEBUG" -> Level.FINE;
      case "WARN" -> Level.WARNING;
      case "ERROR" -> Level.SEVERE;
      default -> Level.parse(name.trim().toUpperCase(Locale.ROOT));
    };
  }
}
