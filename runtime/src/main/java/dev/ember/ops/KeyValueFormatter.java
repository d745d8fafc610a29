package dev.ember.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Formats a log record as one logfmt line, easy to grep and parsed by Loki, Vector or Datadog:
 * {@code ts=... level=INFO logger=... thread=... msg="..."}, then the record's {@link LogFields}, then
 * {@code error="..."} with the stack trace (newlines escaped) when one was thrown. Values with spaces,
 * quotes, '=' or control characters are quoted and escaped.
 *
 * <pre>{@code
 * ts=2025-01-02T03:04:05.678Z level=INFO logger=ember.request thread=vert.x-eventloop-thread-0 msg=request request_id=chatcmpl-1 status=200
 * }</pre>
 */
public final class KeyValueFormatter extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringBuilder b = new StringBuilder(160);
    b.append("ts=").append(Instant.ofEpochMilli(r.getMillis()));
    b.append(" level=").append(r.getLevel().getName());
    append(b, "logger", r.getLoggerName());
    append(b, "thread", Thread.currentThread().getName());
    LogFields fields = null;
    Object[] params = r.getParameters();
    if (params != null && params.length == 1 && params[0] instanceof LogFields f) {
      fields = f;
      append(b, "msg", r.getMessage());
    } else {
      append(b, "msg", formatMessage(r));
    }
    if (fields != null) {
      for (int i = 0; i < fields.size(); i++) {
        append(b, fields.key(i), fields.value(i));
      }
    }
    if (r.getThrown() != null) {
      StringWriter trace = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(trace));
      append(b, "error", trace.toString().stripTrailing());
    }
    return b.append(System.lineSeparator()).toString();
  }

  private static void append(StringBuilder b, String key, Object value) {
    b.append(' ').append(key).append('=');
    String s = String.valueOf(value);
    if (!needsQuotes(s)) {
      b.append(s);
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < ' ' || c == 0x7f || c == '\u2028' || c == '\u2029') {
            // NUL, escape sequences and other control characters (e.g. from a manifest) never reach the log raw.
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private static boolean needsQuotes(String s) {
    if (s.isEmpty()) {
      return true;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f || c == '\u2028' || c == '\u2029') {
        return true;
      }
    }
    return false;
  }
}
