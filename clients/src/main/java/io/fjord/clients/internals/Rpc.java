package io.fjord.clients.internals;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Adapts gRPC's async unary calls to CompletableFuture, so several brokers can be asked in parallel. */
public final class Rpc {
    private Rpc() {}

    public static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> invocation) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            invocation.accept(new StreamObserver<>() {
                private T value;

                @Override
                public void onNext(T v) {
                    value = v;
                }

                @Override
                public void onError(Throwable t) {
                    future.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    future.complete(value);
                }
            });
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }
}
