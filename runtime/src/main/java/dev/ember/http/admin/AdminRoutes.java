package dev.ember.http.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ember.function.DurationText;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionState;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionManifests;
import dev.ember.function.FunctionRegistry;
import dev.ember.function.InvalidManifestException;
import dev.ember.http.RouteContributor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The function admin API, behind {@link AdminAccess} (the admin key, or loopback clients only):
 * {@code GET /functions} (every function's info), {@code GET /functions/{name}} (info and manifest;
 * YAML when the Accept header asks for it), {@code POST /functions} (deploy a YAML or JSON manifest,
 * by Content-Type: 201 with the info once warming ended, 400 naming the invalid field or a model path
 * outside the model roots, 409 for a taken name, 422 when the model could not be loaded — the function
 * stays registered as FAILED) and {@code DELETE /functions/{name}?timeout=30s} (drain, free its memory,
 * remove: 200; 404 when unknown). Errors fail the routing context and reach the server's OpenAI-shaped
 * error handler. Load failures are answered without details about files; the server log has them.
 *
 * <pre>{@code EmberHttpServer.start(vertx, registry, options, List.of(new AdminRoutes(registry, Duration.ofSeconds(30)))); }</pre>
 */
public final class AdminRoutes implements RouteContributor {
  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final ObjectMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();

  private final FunctionRegistry registry;
  private final Duration drainTimeout;
  private final AdminAccess access;
  private final ModelRoots roots;

  /** @param drainTimeout how long DELETE lets in-flight requests finish when the request names no timeout */
  public AdminRoutes(FunctionRegistry registry, Duration drainTimeout) {
    this(registry, drainTimeout, AdminOptions.defaults(), List.of());
  }

  /**
   * @param admin admin keys and model roots
   * @param inferenceKeys the server's inference keys (required from loopback clients when there is no admin key)
   * @throws IllegalArgumentException when a model root is not an existing directory
   */
  public AdminRoutes(FunctionRegistry registry, Duration drainTimeout, AdminOptions admin, List<String> inferenceKeys) {
    this.registry = registry;
    this.drainTimeout = drainTimeout;
    this.access = new AdminAccess(admin.apiKeys(), inferenceKeys);
    this.roots = new ModelRoots(admin.modelRoots());
  }

  @Override
  public void mount(Router router) {
    router.route("/functions").handler(access);
    router.route("/functions/*").handler(access);
    router.get("/functions").handler(ctx -> send(ctx, 200, FunctionDocuments.list(registry.list())));
    router.get("/functions/:name").handler(this::get);
    router.post("/functions").handler(this::deploy);
    router.delete("/functions/:name").handler(this::undeploy);
    router.post("/functions/:name/prewarm").handler(this::prewarm);
  }

  /** False: {@link AdminAccess} checks its own keys (the inference key check does not apply). */
  @Override
  public boolean requiresApiKey() {
    return false;
  }

  private void get(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    registry.instance(name).ifPresentOrElse(
        f -> send(ctx, 200, FunctionDocuments.detail(f.info(), f.manifest(), f.contexts())),
        () -> ctx.fail(FunctionRegistry.notDeployed(name)));
  }

  private void deploy(RoutingContext ctx) {
    FunctionManifest manifest;
    try {
      manifest = FunctionManifests.parse(ctx.body().asString() == null ? "" : ctx.body().asString(),
          format(ctx.request().getHeader("Content-Type")), "request body");
    } catch (InvalidManifestException e) {
      ctx.fail(FunctionException.invalid(e.field().isEmpty() ? null : e.field(), e.getMessage()));
      return;
    } catch (FunctionException e) {
      ctx.fail(e);
      return;
    }
    // Resolving the path touches the disk: off the event loop.
    ctx.vertx().executeBlocking(() -> roots.allows(manifest.model().path()), false).onComplete(allowed -> {
      if (allowed.failed() || !allowed.result()) {
        ctx.fail(FunctionException.invalid("model.path", "model.path must be under one of the server's model roots"
            + " (--model-root)"));
      } else {
        deploy(ctx, manifest);
      }
    });
  }

  private void deploy(RoutingContext ctx, FunctionManifest manifest) {
    registry.deploy(manifest).onComplete(r -> {
      if (r.succeeded()) {
        ctx.response().putHeader("Location", "/functions/" + manifest.name());
        FunctionInfo info = r.result();
        if (info.state() == FunctionState.FAILED) {
          ctx.fail(new FunctionException(422, "invalid_request_error", "function_load_failed", "model", null,
              "function '" + manifest.name() + "' is deployed but FAILED: " + info.reason()
              + "; fix the manifest and deploy again after DELETE /functions/" + manifest.name()));
          return;
        }
        send(ctx, 201, FunctionDocuments.info(info));
      } else {
        ctx.fail(r.cause());
      }
    });
  }

  /**
   * The prewarm signal: warms a COLD function now (and keeps it warm for its {@code prewarm.keepWarmFor});
   * answers 202 at once with the function's state, so callers (schedulers, CI hooks) never wait on a load.
   */
  private void prewarm(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    registry.instance(name).ifPresentOrElse(f -> {
      f.prewarm();
      send(ctx, 202, FunctionDocuments.info(f.info()));
    }, () -> ctx.fail(FunctionRegistry.notDeployed(name)));
  }

  private void undeploy(RoutingContext ctx) {
    Duration timeout = drainTimeout;
    String t = ctx.request().getParam("timeout");
    if (t != null) {
      try {
        timeout = DurationText.parse(t);
      } catch (IllegalArgumentException e) {
        ctx.fail(FunctionException.invalid("timeout", "timeout " + e.getMessage()));
        return;
      }
    }
    registry.undeploy(ctx.pathParam("name"), timeout).onComplete(r -> {
      if (r.succeeded()) {
        send(ctx, 200, FunctionDocuments.info(r.result()));
      } else {
        ctx.fail(r.cause());
      }
    });
  }

  private static FunctionManifests.Format format(String contentType) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
    if (type.equals("application/json")) {
      return FunctionManifests.Format.JSON;
    }
    if (type.isEmpty() || type.contains("yaml") || type.equals("text/plain")) {
      return FunctionManifests.Format.YAML;
    }
    throw new FunctionException(415, "invalid_request_error", "unsupported_media_type", null, null,
        "a manifest must be sent as application/json or application/yaml, got " + contentType);
  }

  private static void send(RoutingContext ctx, int status, Map<String, Object> doc) {
    String accept = ctx.request().getHeader("Accept");
    boolean yaml = accept != null && accept.toLowerCase(Locale.ROOT).contains("yaml");
    try {
      String body = (yaml ? YAML : JSON).writeValueAsString(doc);
      ctx.response().setStatusCode(status)
          .putHeader("Content-Type", yaml ? "application/yaml" : "application/json").end(body);
    } catch (JsonProcessingException e) {
      ctx.fail(e);
    }
  }
}
