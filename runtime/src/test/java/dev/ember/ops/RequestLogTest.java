package dev.ember.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class RequestLogTest {
  @Test
  void logsOneLineWithTheRequestsFields() {
    Logger logger = Logger.getLogger(RequestLog.LOGGER);
    List<String> lines = new ArrayList<>();
    KeyValueFormatter formatter = new KeyValueFormatter();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        lines.add(formatter.format(r));
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(capture);
    try {
      RequestLog.finished("chatcmpl-1", "/v1/chat/completions", "fn", 200, 12, 34, 1_234_560_000L);
    } finally {
      logger.removeHandler(capture);
    }

    assertEquals(1, lines.size());
    assertTrue(lines.get(0).stripTrailing().endsWith("logger=ember.request thread=" + Thread.currentThread().getName()
        + " msg=request request_id=chatcmpl-1 route=/v1/chat/completions function=fn status=200 prompt_tokens=12"
        + " completion_tokens=34 latency_ms=1234.6"), lines.get(0));
  }
}
