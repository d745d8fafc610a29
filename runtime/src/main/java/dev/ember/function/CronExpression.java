package dev.ember.function;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prewarm schedule entry evaluated in a time zone: a daily time {@code HH:MM}, or a 5-field cron
 * expression {@code minute hour day-of-month month day-of-week} with {@code *}, numbers, ranges
 * {@code a-b}, lists {@code a,b}, steps {@code /n} and month/day names ({@code JAN}, {@code MON}); day of
 * week 0 and 7 are Sunday; when both day fields are restricted, a day matching either one matches (as in
 * Vixie cron).
 *
 * <pre>{@code CronExpression.parse("55 8 * * MON-FRI").next(ZonedDateTime.now(zone)); }</pre>
 */
public final class CronExpression {
  private static final Pattern DAILY = Pattern.compile("(\\d{2}):(\\d{2})");
  private static final List<String> FIELDS = List.of("minute", "hour", "day-of-month", "month", "day-of-week");
  private static final int[] MIN = {0, 0, 1, 1, 0};
  private static final int[] MAX = {59, 23, 31, 12, 7};
  private static final List<String> MONTHS =
      List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
  private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
  /** How far ahead {@link #next} looks before deciding an expression never fires (e.g. 31 FEB). */
  private static final int HORIZON_DAYS = 366 * 5;

  private final String source;
  private final BitSet[] fields;
  private final boolean domRestricted;
  private final boolean dowRestricted;

  private CronExpression(String source, BitSet[] fields, boolean domRestricted, boolean dowRestricted) {
    this.source = source;
    this.fields = fields;
    this.domRestricted = domRestricted;
    this.dowRestricted = dowRestricted;
  }

  /** Parses an entry; throws IllegalArgumentException describing the first problem. */
  public static CronExpression parse(String entry) {
    String e = entry.strip();
    Matcher daily = DAILY.matcher(e);
    if (daily.matches()) {
      int h = Integer.parseInt(daily.group(1));
      int m = Integer.parseInt(daily.group(2));
      if (h > 23 || m > 59) {
        throw new IllegalArgumentException("is not a time of day (HH:MM, 00:00 to 23:59): '" + entry + "'");
      }
      e = m + " " + h + " * * *";
    }
    String[] parts = e.split("\\s+");
    if (parts.length != 5) {
      throw new IllegalArgumentException("must be HH:MM or a cron expression with 5 fields"
          + " (minute hour day-of-month month day-of-week), got '" + entry + "'");
    }
    BitSet[] fields = new BitSet[5];
    for (int i = 0; i < 5; i++) {
      fields[i] = new BitSet(MAX[i] + 1);
      for (String part : parts[i].split(",", -1)) {
        addPart(fields[i], i, part, entry);
      }
    }
    if (fields[4].get(7)) {
      fields[4].set(0);
    }
    return new CronExpression(entry, fields, !parts[2].equals("*"), !parts[4].equals("*"));
  }

  private static void addPart(BitSet set, int field, String part, String entry) {
    String range = part;
    int step = 1;
    int slash = part.indexOf('/');
    if (slash >= 0) {
      range = part.substring(0, slash);
      step = value(field, part.substring(slash + 1), entry, true);
      if (step < 1) {
        throw bad(field, part, entry);
      }
    }
    int lo;
    int hi;
    if (range.equals("*")) {
      lo = MIN[field];
      hi = MAX[field];
    } else if (range.indexOf('-') > 0) {
      int dash = range.indexOf('-');
      lo = value(field, range.substring(0, dash), entry, false);
      hi = value(field, range.substring(dash + 1), entry, false);
      if (lo > hi) {
        throw bad(field, part, entry);
      }
    } else {
      lo = value(field, range, entry, false);
      hi = slash >= 0 ? MAX[field] : lo;
    }
    for (int v = lo; v <= hi; v += step) {
      set.set(v);
    }
  }

  private static int value(int field, String text, String entry, boolean step) {
    String t = text.toUpperCase(Locale.ROOT);
    int v;
    if (!step && field == 3 && MONTHS.contains(t)) {
      v = MONTHS.indexOf(t) + 1;
    } else if (!step && field == 4 && DAYS.contains(t)) {
      v = DAYS.indexOf(t);
    } else if (!t.isEmpty() && t.length() <= 4 && t.chars().allMatch(Character::isDigit)) {
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

  /** The first matching minute strictly after {@code after} (seconds dropped), or null if none within 5 years. */
  public ZonedDateTime next(ZonedDateTime after) {
    ZonedDateTime start = after.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
    LocalDate day = start.toLocalDate();
    for (int d = 0; d < HORIZON_DAYS; d++, day = day.plusDays(1)) {
      if (!dayMatches(day)) {
        continue;
      }
      int fromMinute = d == 0 ? start.getHour() * 60 + start.getMinute() : 0;
      for (int m = fromMinute; m < 24 * 60; m++) {
        if (fields[1].get(m / 60) && fields[0].get(m % 60)) {
          ZonedDateTime t = ZonedDateTime.of(day, LocalTime.of(m / 60, m % 60), after.getZone());
          if (t.isAfter(after)) {  // a DST gap can move a time; keep strictly-after
            return t;
          }
        }
      }
    }
    return null;
  }

  private boolean dayMatches(LocalDate day) {
    if (!fields[3].get(day.getMonthValue())) {
      return false;
    }
    boolean dom = fields[2].get(day.getDayOfMonth());
    boolean dow = fields[4].get(day.getDayOfWeek().getValue() % 7);
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  @Override
  public String toString() {
    return source;
  }
}
