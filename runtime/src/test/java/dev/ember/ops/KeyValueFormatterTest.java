package dev.ember.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class KeyValueFormatterTest {
  private final KeyValueFormatter formatter = new KeyValueFormatter();

  private static LogRecord record(String message, Object... params) {
    LogRecord r = new LogRecord(Level.INFO, message);
    r.setLoggerName("ember.test");
    r.setMillis(1_700_000_000_123L);
    r.setParameters(params.length == 0 ? null : params);
    return r;
  }

  @Test
  void startsWithTimestampLevelLoggerAndThread() {
    String line = formatter.format(record("started"));

    assertTrue(line.matches("ts=2023-11-14T22:13:20\\.123Z level=INFO logger=ember\\.test thread=\\S+ msg=started"
        + System.lineSeparator()), line);
  }

  @Test
  void appendsLogFieldsInOrder() {
    String line = formatter.format(record("request", LogFields.of("request_id", "r-1", "status", 200, "fn", null)));

    assertTrue(line.stripTrailing().endsWith("msg=request request_id=r-1 status=200 fn=null"), line);
  }

  @Test
  void quotesAndEscapesValuesWithSpacesQuotesOrNewlines() {
    String line = formatter.format(record("a \"b\"\nc"));

    assertTrue(line.stripTrailing().endsWith("msg=\"a \\\"b\\\"\\nc\""), line);
  }

  @Test
  void escapesNulAndOtherControlCharactersFromAManifest() {
    String line = formatter.format(record("function=a\u0000b\u001b[31mred\u007f state=FAILED"));

    assertTrue(line.contains("msg=\"function=a\\u0000b\\u001b[31mred\\u007f state=FAILED\""), line);
    for (char c : line.stripTrailing().toCharArray()) {
      assertTrue(c >= ' ' && c != 0x7f, "raw control character " + (int) c + " in " + line);
    }
  }

  @Test
  void fillsJulPlaceholdersInPlainMessages() {
    String line = formatter.format(record("loaded {0} in {1} ms", "model", 12));

    assertTrue(line.stripTrailing().endsWith("msg=\"loaded model in 12 ms\""), line);
  }

  @Test
  void writesAThrownExceptionOnTheSameLine() {
    LogRecord r = record("failed");
    r.setThrown(new IOException("disk gone"));

    String line = formatter.format(r);

    assertEquals(1, line.split(System.lineSeparator()).length, line);
    assertTrue(line.contains(" error=\"java.io.IOException: disk gone\\n\tat ".replace("\t", "\\t")), line);
  }
}
