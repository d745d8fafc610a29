package dev.ember.function;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Syntax of a prewarm schedule entry: a daily time {@code HH:MM} (24-hour, in the manifest's zone) or
 * a 5-field cron expression {@code minute hour day-of-month month day-of-week} with {@code *}, numbers,
 * ranges {@code a-b}, lists {@code a,b}, steps {@code /n}, and month/day names ({@code JAN}, {@code MON}).
 *
 * <pre>{@code ScheduleEntry.validate("30 7 * * MON-FRI"); ScheduleEntry.validate("07:30"); }</pre>
 */
public final class ScheduleEntry {
  private static final Pattern DAILY = Pattern.compile("(\\d{2}):(\\d{2})");
  private static final List<String> FIELDS = List.of("minute", "hour", "day-of-month", "month", "day-of-week");
  private static final int[] MIN = {0, 0, 1, 1, 0};
  private static final int[] MAX = {59, 23, 31, 12, 7};
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

  private ScheduleEntry() {}

  /** Throws IllegalArgumentException describing the first problem; returns normally when the entry is valid. */
  public static void validate(String entry) {
    String e = entry.strip();
    Matcher daily = DAILY.matcher(e);
    if (daily.matches()) {
      int h = Integer.parseInt(daily.group(1));
      int m = Integer.parseInt(daily.group(2));
      if (h > 23 || m > 59) {
        throw new IllegalArgumentException("is not a time of day (HH:MM, 00:00 to 23:59): '" + entry + "'");
      }
      return;
    }
    String[] fields = e.split("\\s+");
    if (fields.length != 5) {
      throw new IllegalArgumentException("must be HH:MM or a cron expression with 5 fields"
          + " (minute hour day-of-month month day-of-week), got '" + entry + "'");
    }
    for (int i = 0; i < 5; i++) {
      for (String part : fields[i].split(",", -1)) {
        checkPart(i, part, entry);
      }
    }
  }

  private static void checkPart(int field, String part, String entry) {
    String range = part;
    int slash = part.indexOf('/');
    if (slash >= 0) {
      range = part.substring(0, slash);
      int step = value(field, part.substring(slash + 1), entry, true);
      if (step < 1) {
        throw bad(field, part, entry);
      }
    }
    if (range.equals("*")) {
      return;
    }
    int dash = range.indexOf('-');
    if (dash >= 0) {
      int lo = value(field, range.substring(0, dash), entry, false);
      int hi = value(field, range.substring(dash + 1), entry, false);
      if (lo > hi) {
        throw bad(field, part, entry);
      }
    } else {
      value(field, range, entry, false);
    }
  }

  private static int value(int field, String text, String entry, boolean step) {
    String t = text.toUpperCase(Locale.ROOT);
    int v;
    if (!step && field == 3 && MONTHS.contains(t)) {
      v = MONTHS.indexOf(t) + 1;
    } else if (!step && field == 4 && DAYS.contains(t)) {
      v = DAYS.indexOf(t);
    } else if (!t.isEmpty() && t.chars().allMatch(Character::isDigit) && t.length() <= 4) {
      v = Integer.parseInt(t);
    } else {
      throw bad(field, text, entry);
    }
    if (!step && (v < MIN[field] || v > MAX[field])) {
      throw new IllegalArgumentException("has " + FIELDS.get(field) + " " + v + " outside [" + MIN[field] + ", "
          + MAX[field] + "] in '" + entry + "'");
    }
    return v;
  }

  private static IllegalArgumentException bad(int field, String part, String entry) {
    return new IllegalArgumentException("has an invalid " + FIELDS.get(field) + " field '" + part + "' in '" + entry + "'");
  }
}
