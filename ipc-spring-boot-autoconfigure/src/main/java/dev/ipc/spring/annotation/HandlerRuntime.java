package dev.ipc.spring.annotation;

import java.util.concurrent.Executor;
import java.util.function.Supplier;

import dev.ipc.codec.PayloadCodec;
import dev.ipc.event.IpcEventListener;

/** What the endpoints of one registry share at run time. */
record HandlerRuntime(Executor executor, PayloadCodec codec, InFlightTracker tracker,
		Supplier<IpcEventListener> events) {

}
