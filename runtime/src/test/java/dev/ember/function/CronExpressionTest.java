package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CronExpressionTest {
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  static ZonedDateTime at(String local) {
    return ZonedDateTime.of(java.time.LocalDateTime.parse(local), BERLIN);
  }

  /** Entry, "now", expected next fire (local time in Berlin). */
  static Stream<Arguments> nextFires() {
    return Stream.of(
        Arguments.of("55 8 * * MON-FRI", "2026-11-20T09:00", "2026-11-23T08:55"),   // Friday after -> Monday
        Arguments.of("55 8 * * MON-FRI", "2026-11-23T08:54", "2026-11-23T08:55"),
        Arguments.of("55 8 * * MON-FRI", "2026-11-23T08:55", "2026-11-24T08:55"),   // strictly after
        Arguments.of("08:55", "2026-11-21T10:00", "2026-11-22T08:55"),              // daily, weekends too
        Arguments.of("*/15 * * * *", "2026-11-23T10:07", "2026-11-23T10:15"),
        Arguments.of("0 9,17 * * *", "2026-11-23T09:30", "2026-11-23T17:00"),
        Arguments.of("0 0 1 JAN *", "2026-11-23T00:00", "2027-01-01T00:00"),
        Arguments.of("0 12 13 * FRI", "2026-11-23T00:00", "2026-11-27T12:00"),     // day 13 OR Friday
        Arguments.of("0 6 * * 7", "2026-11-23T00:00", "2026-11-29T06:00"),         // 7 is Sunday
        Arguments.of("30 2 * * *", "2026-03-29T01:00", "2026-03-29T03:30"));       // 02:30 does not exist (DST)
  }

  @ParameterizedTest(name = "{0} after {1} is {2}")
  @MethodSource("nextFires")
  void computesTheNextFireTime(String entry, String now, String expected) {
    ZonedDateTime next = CronExpression.parse(entry).next(at(now));
    assertEquals(at(expected).toInstant(), next.toInstant(), entry + " -> " + next);
  }

  @Test
  void anImpossibleDateNeverFires() {
    assertNull(CronExpression.parse("0 0 31 2 *").next(at("2026-01-01T00:00")));
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("25:00", "time of day"),
        Arguments.of("0 8 * *", "5 fields"),
        Arguments.of("60 8 * * *", "minute 60"),
        Arguments.of("0 8 * * FUN", "day-of-week"),
        Arguments.of("0 10-8 * * *", "hour"),
        Arguments.of("*/0 * * * *", "minute"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsMalformedEntriesNamingTheProblem(String entry, String mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CronExpression.parse(entry));
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }
}
