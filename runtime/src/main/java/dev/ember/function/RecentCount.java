package dev.ember.function;

/**
 * A count of recent events that decays exponentially: each event adds 1 and the total halves every
 * {@value #HALF_LIFE_SECONDS} seconds, so it reads as the events of about the last minute and a half, older ones
 * fading out. The routers' share guards count requests with it. Thread-safe.
 *
 * <pre>{@code RecentCount c = new RecentCount(); c.add(System.nanoTime()); long n = Math.round(c.at(System.nanoTime())); }</pre>
 */
public final class RecentCount {
  /** Half-life of the count: an event a minute old counts one half. */
  public static final int HALF_LIFE_SECONDS = 60;
  private static final double DECAY_PER_NANO = Math.log(2) / (HALF_LIFE_SECONDS * 1e9);

  private double value;
  private long atNanos;

  /** Counts one event at {@code nowNanos} (a {@link System#nanoTime()} reading). */
  public synchronized void add(long nowNanos) {
    value = at(nowNanos) + 1;
    atNanos = nowNanos;
  }

  /** The decayed count at {@code nowNanos}. */
  public synchronized double at(long nowNanos) {
    return value == 0 ? 0 : value * Math.exp(-DECAY_PER_NANO * Math.max(0, nowNanos - atNanos));
  }
}
