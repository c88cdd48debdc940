package dev.ipc.spring.annotation;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.deser.AbstractDeserializer;
import tools.jackson.databind.deser.ValueInstantiator;
import tools.jackson.databind.deser.bean.BeanDeserializerBase;
import tools.jackson.databind.ser.bean.BeanSerializerBase;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.ser.impl.UnknownSerializer;

/**
 * Checks at startup that a payload type can travel as JSON with the client's mapper, so a
 * handler that could never work fails startup instead of every message.
 */
final class PayloadTypes {

	private PayloadTypes() {
	}

	/**
	 * Why values of {@code type} cannot be read from JSON, or {@code null} if they can.
	 */
	static @Nullable String deserializationProblem(JsonMapper mapper, Type type) {
		JavaType javaType = mapper.constructType(type);
		try {
			ValueDeserializer<Object> deserializer = mapper._deserializationContext()
				.findRootValueDeserializer(javaType);
			if (deserializer instanceof AbstractDeserializer) {
				return javaType.getRawClass().getName()
						+ " is abstract and declares no type information (@JsonTypeInfo), so JSON cannot be read into it";
			}
			if (deserializer instanceof BeanDeserializerBase bean && !canCreateFromObject(mapper, javaType, bean)) {
				return javaType.getRawClass().getName() + " has no constructor Jackson can use, so every message "
						+ "would fail to decode: make it a record, add a no-argument constructor, or annotate a "
						+ "constructor with @JsonCreator (compile with -parameters, or name its arguments with "
						+ "@JsonProperty)";
			}
			return null;
		}
		catch (RuntimeException ex) {
			return javaType.getRawClass().getName() + " cannot be read from JSON: " + ex.getMessage();
		}
	}

	/**
	 * Whether Jackson can create the type from the JSON it writes: from an object
	 * (no-argument or property-based creator, or a delegate), or, for a type written as a
	 * scalar, from anything at all.
	 */
	private static boolean canCreateFromObject(JsonMapper mapper, JavaType type, BeanDeserializerBase deserializer) {
		ValueInstantiator instantiator = deserializer.getValueInstantiator();
		if (instantiator.canCreateUsingDefault() || instantiator.canCreateFromObjectWith()
				|| instantiator.canCreateUsingDelegate() || instantiator.canCreateUsingArrayDelegate()) {
			return true;
		}
		if (!instantiator.canInstantiate()) {
			return false;
		}
		try {
			return !(mapper._serializationContext().findTypedValueSerializer(type, true) instanceof BeanSerializerBase);
		}
		catch (RuntimeException ex) {
			return true; // reported by the serialization check
		}
	}

	/**
	 * Why values of {@code type} cannot be written as JSON, or {@code null} if they can.
	 */
	static @Nullable String serializationProblem(JsonMapper mapper, Type type) {
		JavaType javaType = mapper.constructType(type);
		Class<?> raw = javaType.getRawClass();
		if (raw == Object.class || raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
			return null; // serialized by their runtime type
		}
		try {
			ValueSerializer<Object> serializer = mapper._serializationContext()
				.findTypedValueSerializer(javaType, true);
			// Jackson writes {} for a class without visible properties:
			// UnknownSerializer, or an empty
			// BeanSerializer when the class carries any runtime annotation (@IpcPayload,
			// for one)
			boolean unknown = serializer instanceof UnknownSerializer;
			boolean empty = unknown || (serializer instanceof BeanSerializerBase && !serializer.properties().hasNext());
			if (empty && (hasInstanceFields(raw)
					|| (unknown && mapper.isEnabled(SerializationFeature.FAIL_ON_EMPTY_BEANS)))) {
				return raw.getName() + " has nothing Jackson can write as JSON (no record components, public fields "
						+ "or getters), so it would travel as {} and its data would be lost";
			}
			return null;
		}
		catch (RuntimeException ex) {
			return raw.getName() + " cannot be written as JSON: " + ex.getMessage();
		}
	}

	private static boolean hasInstanceFields(Class<?> type) {
		for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
			for (Field field : current.getDeclaredFields()) {
				int modifiers = field.getModifiers();
				if (!Modifier.isStatic(modifiers) && !Modifier.isTransient(modifiers) && !field.isSynthetic()) {
					return true;
				}
			}
		}
		return false;
	}

}
