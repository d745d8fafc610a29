package dev.ember.http.internal;

import dev.ember.function.FunctionException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The router's last handler: a path that exists for other methods gets 405 with an {@code Allow}
 * header, any other path 404, both in OpenAI's error shape. Built once all routes are mounted, from
 * the routers' method-specific routes.
 *
 * <pre>{@code router.route().handler(MethodNotAllowed.of(List.of(router, guarded))); }</pre>
 */
public final class MethodNotAllowed implements Handler<RoutingContext> {
  private record PathMethods(Pattern path, Set<HttpMethod> methods) {}

  private final List<PathMethods> routes;

  private MethodNotAllowed(List<PathMethods> routes) {
    this.routes = routes;
  }

  /** Collects the method-specific routes of the given routers. */
  public static MethodNotAllowed of(List<Router> routers) {
    List<PathMethods> out = new ArrayList<>();
    for (Router r : routers) {
      for (Route route : r.getRoutes()) {
        Set<HttpMethod> methods = route.methods();
        // A route with path parameters reports a regex path; its name is the path as written.
        String path = route.getPath() != null && !route.isRegexPath() ? route.getPath() : route.getName();
        if (methods != null && !methods.isEmpty() && path != null && path.startsWith("/")) {
          out.add(new PathMethods(toPattern(path), Set.copyOf(methods)));
        }
      }
    }
    return new MethodNotAllowed(List.copyOf(out));
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    Set<String> allowed = new TreeSet<>();
    for (PathMethods pm : routes) {
      if (path != null && pm.path().matcher(path).matches()) {
        pm.methods().forEach(m -> allowed.add(m.name()));
      }
    }
    if (allowed.isEmpty() || allowed.contains(ctx.request().method().name())) {
      HttpErrors.send(ctx.response(), HttpErrors.forStatus(404, ctx));
      return;
    }
    String allow = String.join(", ", allowed);
    ctx.response().putHeader("Allow", allow);
    HttpErrors.send(ctx.response(), new FunctionException(405, "invalid_request_error", "method_not_allowed", null,
        null, "method " + ctx.request().method().name() + " is not allowed on " + path + "; use " + allow));
  }

  /** A Vert.x route path ({@code /functions/:name/invoke}, {@code /x/*}) as a regular expression. */
  static Pattern toPattern(String path) {
    String[] parts = path.split("/", -1);
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append('/');
      }
      String part = parts[i];
      if (part.startsWith(":")) {
        re.append("[^/]+");
      } else if (part.equals("*")) {
        re.append(".*");
      } else if (!part.isEmpty()) {
        re.append(Pattern.quote(part));
      }
    }
    return Pattern.compile(re + "/?");
  }

}
