package dev.ipc.client;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

import dev.ipc.rpc.RpcRequest;

/**
 * Resolves the response type an {@link RpcRequest} class declares, and recognises unit
 * request types.
 */
final class RpcTypes {

	/**
	 * Stored with each class (not in a map keyed by class), so no class loader is kept
	 * alive by this cache.
	 */
	private static final ClassValue<Type> RESPONSE_TYPES = new ClassValue<>() {
		@Override
		protected Type computeValue(Class<?> requestClass) {
			return resolve(requestClass);
		}
	};

	private RpcTypes() {
	}

	/**
	 * The {@code R} of {@code RpcRequest<R>} as implemented by {@code requestClass} or a
	 * superclass.
	 * @throws IllegalArgumentException if it cannot be resolved to a concrete type
	 */
	static Type responseType(Class<?> requestClass) {
		return RESPONSE_TYPES.get(requestClass);
	}

	private static Type resolve(Class<?> requestClass) {
		for (Class<?> c = requestClass; c != null && c != Object.class; c = c.getSuperclass()) {
			for (Type iface : c.getGenericInterfaces()) {
				if (iface instanceof ParameterizedType pt && pt.getRawType() == RpcRequest.class) {
					Type arg = pt.getActualTypeArguments()[0];
					if (arg instanceof Class<?> || arg instanceof ParameterizedType) {
						return arg;
					}
					break;
				}
			}
		}
		throw new IllegalArgumentException("Cannot resolve the response type of " + requestClass.getName()
				+ ": implement RpcRequest<ConcreteResponse> directly on the request class");
	}

	/**
	 * Whether instances of {@code type} carry no data (a record without components), like
	 * a Rust unit struct: such a request is {@code null} on the wire and is recreated
	 * from {@code null}.
	 */
	static boolean isUnit(Class<?> type) {
		return UNIT.get(type);
	}

	/**
	 * {@link #isUnit} per class, computed once (record components are found by
	 * reflection).
	 */
	private static final ClassValue<Boolean> UNIT = new ClassValue<>() {
		@Override
		protected Boolean computeValue(Class<?> type) {
			return type.isRecord() && type.getRecordComponents().length == 0;
		}
	};

	/** A new instance of a unit type. */
	static Object newUnit(Class<?> type) {
		try {
			var constructor = type.getDeclaredConstructor();
			constructor.setAccessible(true);
			return constructor.newInstance();
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalArgumentException("Cannot instantiate unit request type " + type.getName(), ex);
		}
	}

}
