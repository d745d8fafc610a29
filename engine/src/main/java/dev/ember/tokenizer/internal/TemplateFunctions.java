package dev.ember.tokenizer.internal;

import dev.ember.tokenizer.ChatTemplateException;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The global functions Hugging Face transformers gives chat templates: {@code raise_exception(msg)}
 * and {@code strftime_now(format)} (Python {@code strftime} directives, local time).
 *
 * <p>Usage: registered by {@code ChatTemplate}; {@code TemplateFunctions.strftime("%d %b %Y", t)}.
 */
public final class TemplateFunctions {

  private TemplateFunctions() {}

  public static Object raise_exception(String message) {
    throw new ChatTemplateException(message);
  }

  public static String strftime_now(String format) {
    return strftime(format, ZonedDateTime.now());
  }

  /** Formats a time with the common C/Python strftime directives ({@code %-d} style too). */
  public static String strftime(String format, ZonedDateTime t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        sb.append(c);
        continue;
      }
      char d = format.charAt(++i);
      boolean pad = true;
      if (d == '-' && i + 1 < format.length()) {
        pad = false;
        d = format.charAt(++i);
      }
      switch (d) {
        case 'Y' -> sb.append(t.getYear());
        case 'y' -> num(sb, t.getYear() % 100, pad);
        case 'm' -> num(sb, t.getMonthValue(), pad);
        case 'd' -> num(sb, t.getDayOfMonth(), pad);
        case 'e' -> sb.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
        case 'H' -> num(sb, t.getHour(), pad);
        case 'I' -> num(sb, (t.getHour() + 11) % 12 + 1, pad);
        case 'M' -> num(sb, t.getMinute(), pad);
        case 'S' -> num(sb, t.getSecond(), pad);
        case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
        case 'j' -> sb.append(pad ? String.format(Locale.ROOT, "%03d", t.getDayOfYear()) : t.getDayOfYear());
        case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case '%' -> sb.append('%');
        default -> sb.append('%').append(pad ? "" : "-").append(d);
      }
    }
    return sb.toString();
  }

  private static void num(StringBuilder sb, int v, boolean pad) {
    if (pad && v < 10) {
      sb.append('0');
    }
    sb.append(v);
  }
}
