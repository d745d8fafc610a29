package dev.ember.http.internal;

import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.openai.CompletionRequestParser;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The OpenAI-compatible routes: {@code POST /v1/chat/completions}, {@code POST /v1/completions},
 * {@code GET /v1/models}, and {@code POST /functions/{name}/invoke} (a chat request for the function
 * in the path). Failures reach the router's failure handler as exceptions.
 *
 * <pre>{@code new OpenAiRoutes(gateway).mount(router); }</pre>
 */
public final class OpenAiRoutes {
  private final FunctionGateway gateway;

  public OpenAiRoutes(FunctionGateway gateway) {
    this.gateway = gateway;
  }

  public void mount(Router router) {
    router.post("/v1/chat/completions").handler(ctx ->
        CompletionCall.run(ctx, gateway, CompletionRequestParser.chat(jsonBody(ctx), null)));
    router.post("/v1/completions").handler(ctx ->
        CompletionCall.run(ctx, gateway, CompletionRequestParser.completion(jsonBody(ctx))));
    router.post("/functions/:name/invoke").handler(ctx ->
        CompletionCall.run(ctx, gateway, CompletionRequestParser.chat(jsonBody(ctx), ctx.pathParam("name"))));
    router.get("/v1/models").handler(this::models);
  }

  private void models(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    for (FunctionInfo f : gateway.list()) {
      data.add(new JsonObject().put("id", f.name()).put("object", "model").put("created", f.createdEpochSeconds())
          .put("owned_by", "ember").put("root", f.model()).put("max_model_len", f.maxModelLen()));
    }
    ctx.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("object", "list").put("data", data).encode());
  }

  /** The request body as a JSON object; anything else is a 400. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw new DecodeException("the request body is empty");
    }
    Object value = io.vertx.core.json.Json.decodeValue(body);
    if (!(value instanceof JsonObject o)) {
      throw new DecodeException("the request body must be a JSON object");
    }
    return o;
  }
}
