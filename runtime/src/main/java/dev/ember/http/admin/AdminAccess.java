package dev.ember.http.admin;

import dev.ember.function.FunctionException;
import dev.ember.http.internal.ApiKeyCheck;
import dev.ember.http.internal.HttpErrors;
import io.netty.util.NetUtil;
import io.vertx.core.Handler;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Predicate;

/**
 * Guards the admin API. With admin keys, a request needs {@code Authorization: Bearer <admin key>} (401
 * otherwise), wherever it comes from; inference keys do not count. Without admin keys, only loopback
 * clients are served (403 otherwise, so a server listening on 0.0.0.0 never lets the network deploy
 * models), and they need an inference key when those are configured.
 *
 * <pre>{@code router.route("/functions*").handler(new AdminAccess(admin.apiKeys(), http.apiKeys())); }</pre>
 */
final class AdminAccess implements Handler<RoutingContext> {
  private final ApiKeyCheck adminKeys;
  private final ApiKeyCheck inferenceKeys;
  private final Predicate<SocketAddress> localClient;

  AdminAccess(List<String> adminKeys, List<String> inferenceKeys) {
    this(adminKeys, inferenceKeys, AdminAccess::isLoopback);
  }

  /** With the test of which clients count as local (tests treat loopback clients as remote with it). */
  AdminAccess(List<String> adminKeys, List<String> inferenceKeys, Predicate<SocketAddress> localClient) {
    this.adminKeys = new ApiKeyCheck(adminKeys);
    this.inferenceKeys = new ApiKeyCheck(inferenceKeys);
    this.localClient = localClient;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (adminKeys.enabled()) {
      adminKeys.handle(ctx);
    } else if (!localClient.test(ctx.request().remoteAddress())) {
      HttpErrors.send(ctx.response(), new FunctionException(403, "invalid_request_error", "admin_api_forbidden", null,
          null, "the admin API is served to loopback clients only; start the server with --admin-api-key to use"
          + " it from elsewhere"));
    } else {
      inferenceKeys.handle(ctx);
    }
  }

  static boolean isLoopback(SocketAddress address) {
    if (address == null || !address.isInetSocket() || address.hostAddress() == null) {
      return false;
    }
    String ip = address.hostAddress();
    if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
      return false;
    }
    try {
      // A literal IP: this never resolves a name.
      return InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
