package dev.ipc.spring.annotation;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.ipc.client.IpcClient;
import dev.ipc.client.Registration;

/**
 * An annotated handler method registered in a registry: {@link IpcSubscriberEndpoint} or
 * {@link IpcRpcEndpoint}. Started (registered with the client) and stopped by its
 * registry.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public abstract sealed class IpcHandlerEndpoint permits IpcSubscriberEndpoint, IpcRpcEndpoint {

	private final String id;

	private final String beanName;

	private final Method method;

	private final boolean autoStartup;

	private final int concurrency;

	private final SourceFilter sourceFilter;

	private final ReentrantLock lock = new ReentrantLock();

	private @Nullable Registration registration;

	IpcHandlerEndpoint(String id, String beanName, Method method, boolean autoStartup, int concurrency,
			SourceFilter sourceFilter) {
		this.id = id;
		this.beanName = beanName;
		this.method = method;
		this.autoStartup = autoStartup;
		this.concurrency = concurrency;
		this.sourceFilter = sourceFilter;
	}

	/** The unique id in its registry. */
	public String getId() {
		return this.id;
	}

	/** The name of the bean declaring the method. */
	public String getBeanName() {
		return this.beanName;
	}

	/** The annotated method. */
	public Method getMethod() {
		return this.method;
	}

	/** Whether it starts with the client. */
	public boolean isAutoStartup() {
		return this.autoStartup;
	}

	/** Maximum concurrent invocations; {@code 0} for unbounded. */
	public int getConcurrency() {
		return this.concurrency;
	}

	/** Which sources it accepts. */
	public SourceFilter getSourceFilter() {
		return this.sourceFilter;
	}

	/** Whether it is registered with the client. */
	public boolean isRunning() {
		this.lock.lock();
		try {
			return this.registration != null;
		}
		finally {
			this.lock.unlock();
		}
	}

	final void start(IpcClient client) {
		this.lock.lock();
		try {
			if (this.registration == null) {
				this.registration = open(client);
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	final void stop() {
		this.lock.lock();
		try {
			if (this.registration != null) {
				this.registration.close();
				this.registration = null;
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/** Registers with the client. */
	abstract Registration open(IpcClient client);

	/**
	 * A readable description of the method:
	 * {@code com.example.Handlers.onEvent(Event, Source)}.
	 */
	public String describe() {
		return describe(this.method);
	}

	/**
	 * A readable description of a method: declaring class, name and simple parameter
	 * types.
	 * @param method the method
	 * @return the description
	 */
	public static String describe(Method method) {
		return method.getDeclaringClass().getName() + "." + method.getName() + "("
				+ Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
				+ ")";
	}

	static Throwable unwrap(Throwable failure) {
		Throwable cause = failure;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[" + this.id + " -> " + describe() + "]";
	}

}
