package dev.ember.http;

import io.vertx.ext.web.Router;

/**
 * A group of routes mounted on the server's router by its owner (OpenAI API, function admin API,
 * health and metrics), and whether they sit behind the API key.
 *
 * <pre>{@code RouteContributor admin = RouteContributor.of(true, r -> r.get("/functions").handler(...)); }</pre>
 */
public interface RouteContributor {
  /** Adds the routes; called once, on server start. */
  void mount(Router router);

  /** True when the routes require a valid API key (when keys are configured). */
  boolean requiresApiKey();

  static RouteContributor of(boolean requiresApiKey, java.util.function.Consumer<Router> mount) {
    return new RouteContributor() {
      @Override
      public void mount(Router router) {
        mount.accept(router);
      }

      @Override
      public boolean requiresApiKey() {
        return requiresApiKey;
      }
    };
  }
}
