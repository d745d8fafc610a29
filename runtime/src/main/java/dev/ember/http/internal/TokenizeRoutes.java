package dev.ember.http.internal;

import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionException;
import dev.ember.function.FunctionGateway;
import dev.ember.function.Prompt;
import dev.ember.openai.CompletionRequestParser;
import dev.ember.openai.RequestFields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * vLLM's {@code POST /tokenize} ({@code {model, prompt}} or {@code {model, messages}} to
 * {@code {tokens, count, max_model_len}}) and {@code POST /detokenize} ({@code {model, tokens}} to
 * {@code {prompt}}); the function tokenizes off the event loop.
 *
 * <pre>{@code new TokenizeRoutes(gateway).mount(router); }</pre>
 */
public final class TokenizeRoutes {
  private final FunctionGateway gateway;

  public TokenizeRoutes(FunctionGateway gateway) {
    this.gateway = gateway;
  }

  public void mount(Router router) {
    router.post("/tokenize").handler(this::tokenize);
    router.post("/detokenize").handler(this::detokenize);
  }

  private void tokenize(RoutingContext ctx) {
    RequestFields f = new RequestFields(OpenAiRoutes.jsonBody(ctx));
    FunctionEndpoint endpoint = endpoint(f);
    Prompt prompt = f.has("messages") ? CompletionRequestParser.chatPrompt(f) : CompletionRequestParser.textPrompt(f);
    endpoint.tokenize(prompt).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
        return;
      }
      JsonArray tokens = new JsonArray();
      for (int id : ar.result()) {
        tokens.add(id);
      }
      json(ctx, new JsonObject().put("tokens", tokens).put("count", tokens.size())
          .put("max_model_len", endpoint.info().maxModelLen()));
    });
  }

  private void detokenize(RoutingContext ctx) {
    RequestFields f = new RequestFields(OpenAiRoutes.jsonBody(ctx));
    FunctionEndpoint endpoint = endpoint(f);
    JsonArray tokens = f.array("tokens");
    if (tokens == null) {
      throw FunctionException.invalid("tokens", "'tokens' is required");
    }
    endpoint.detokenize(CompletionRequestParser.tokenIds("tokens", tokens)).onComplete(ar -> {
      if (ar.failed()) {
        HttpErrors.send(ctx, ar.cause());
      } else {
        json(ctx, new JsonObject().put("prompt", ar.result()));
      }
    });
  }

  private FunctionEndpoint endpoint(RequestFields f) {
    String model = f.requiredString("model");
    return gateway.function(model).orElseThrow(() -> FunctionException.notFound(model));
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }
}
