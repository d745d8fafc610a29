package dev.ember.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class LogSetupTest {
  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {"null, INFO", "'', INFO", "debug, FINE", "TRACE, FINEST", "warn, WARNING",
      "error, SEVERE", "info, INFO", "fine, FINE", "severe, SEVERE"})
  void parsesSlf4jAndJulLevelNames(String name, String jul) {
    assertEquals(Level.parse(jul), LogSetup.parseLevel(name));
  }

  @Test
  void slf4jCallsReachJavaUtilLogging() {
    Logger jul = Logger.getLogger("ember.slf4j.test");
    List<LogRecord> seen = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        seen.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    jul.addHandler(capture);
    try {
      org.slf4j.LoggerFactory.getLogger("ember.slf4j.test").warn("through slf4j {}", 42);
    } finally {
      jul.removeHandler(capture);
    }

    assertEquals(1, seen.size());
    assertNotNull(seen.get(0));
    assertEquals(Level.WARNING, seen.get(0).getLevel());
    assertEquals("through slf4j 42", seen.get(0).getMessage());
  }
}
