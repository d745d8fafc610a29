package dev.ember.http;

import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A fixed set of functions by name: the smallest gateway, for tests. */
final class MapGateway implements FunctionGateway {
  private final Map<String, FunctionEndpoint> functions = new LinkedHashMap<>();

  MapGateway add(FunctionEndpoint f) {
    functions.put(f.name(), f);
    return this;
  }

  @Override
  public Optional<FunctionEndpoint> function(String name) {
    return Optional.ofNullable(functions.get(name));
  }

  @Override
  public List<FunctionInfo> list() {
    return functions.values().stream().map(FunctionEndpoint::info).toList();
  }
}
