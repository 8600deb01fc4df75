package io.fjord.clients.producer;

import io.fjord.broker.BrokerConfig;
import io.fjord.broker.BrokerServer;
import io.fjord.clients.admin.FjordAdmin;
import io.fjord.clients.admin.NewTopic;
import io.fjord.proto.BrokerServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Test plumbing: a broker in this JVM, and a producer channel that loses chosen answers of the ProduceStream call on the way back. */
final class AnswerFilter {
    private AnswerFilter() {}

    /** A standalone broker in this JVM on an ephemeral port with one topic; returns its bootstrap address. */
    static String startBroker(Path logDir, String topic, int partitions, Consumer<BrokerServer> keep) throws IOException {
        BrokerServer broker = new BrokerServer(BrokerConfig.of(Map.of("listeners", "127.0.0.1:0", "log.dirs", logDir.toString())),
                io.fjord.storage.Time.SYSTEM);
        broker.start();
        keep.accept(broker);
        String bootstrap = "127.0.0.1:" + broker.port();
        try (FjordAdmin admin = FjordAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)));
        }
        return bootstrap;
    }


    /** Swallows chosen answers of the ProduceStream call, as if lost on the way back. */
    static final class Interceptor implements ClientInterceptor {
        private final java.util.function.BooleanSupplier drop;

        Interceptor(java.util.function.BooleanSupplier drop) {
            this.drop = drop;
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            ClientCall<Q, A> call = next.newCall(method, options);
            if (!method.getFullMethodName().equals(BrokerServiceGrpc.getProduceStreamMethod().getFullMethodName())) {
                return call;
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(A message) {
                            if (drop.getAsBoolean()) {
                                request(1); // keep the flow going as if the message had been consumed
                                return;
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }
            };
        }
    }

    /** A ManagedChannel whose calls pass through an interceptor; lifecycle goes to the real channel. */
    static final class InterceptedChannel extends ManagedChannel {
        private final ManagedChannel delegate;
        private final Channel intercepted;

        InterceptedChannel(ManagedChannel delegate, ClientInterceptor interceptor) {
            this.delegate = delegate;
            this.intercepted = ClientInterceptors.intercept(delegate, interceptor);
        }

        @Override public ManagedChannel shutdown() { delegate.shutdown(); return this; }
        @Override public boolean isShutdown() { return delegate.isShutdown(); }
        @Override public boolean isTerminated() { return delegate.isTerminated(); }
        @Override public ManagedChannel shutdownNow() { delegate.shutdownNow(); return this; }
        @Override public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return delegate.awaitTermination(timeout, unit);
        }
        @Override public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
            return intercepted.newCall(method, options);
        }
        @Override public String authority() { return delegate.authority(); }
    }
}
