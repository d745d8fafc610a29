package dev.ember.metrics;

/**
 * One scrape of the registry in a Prometheus text format, with the content type to send it with.
 *
 * <pre>{@code Exposition e = metrics.scrape(ctx.request().getHeader("Accept")); }</pre>
 */
public record Exposition(String contentType, String body) {
  /** Prometheus text format 0.0.4, the default. */
  public static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** OpenMetrics 1.0, sent when the scraper's Accept header asks for it. */
  public static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  /** The format a scraper's Accept header (may be null) asks for. */
  public static String negotiate(String accept) {
    return accept != null && accept.contains("application/openmetrics-text")
        ? OPENMETRICS_CONTENT_TYPE
        : TEXT_CONTENT_TYPE;
  }
}
