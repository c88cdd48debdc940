package dev.ipc.spring.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopInfrastructureBean;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.beans.factory.config.BeanExpressionResolver;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.StringUtils;
import org.springframework.validation.annotation.ValidationAnnotationUtils;

import dev.ipc.model.IncomingMessage;
import dev.ipc.model.IpcPayload;
import dev.ipc.model.Source;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcContext;
import dev.ipc.rpc.RpcRequest;

/**
 * Finds {@link IpcSubscriber} and {@link IpcRpcHandler} methods on every bean (looking through AOP proxies, and on
 * beans created late), checks their signatures at once, and registers them in the {@link IpcSubscriberRegistry} and
 * the {@link IpcRpcHandlerRegistry} once all singletons exist. A method that cannot work fails startup with an
 * {@link IpcHandlerDefinitionException} naming it.
 *
 * <p>Registered by the auto-configuration; registration waits for {@link #afterSingletonsInstantiated()} so that the
 * registries, the client and their collaborators are never created early, from inside another bean's creation.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHandlerAnnotationBeanPostProcessor
		implements BeanPostProcessor, Ordered, BeanFactoryAware, SmartInitializingSingleton {

	/** The bean name under which the auto-configuration registers this post-processor. */
	public static final String BEAN_NAME = "dev.ipc.spring.annotation.internalIpcHandlerAnnotationProcessor";

	private static final Set<Class<? extends Annotation>> ANNOTATIONS = Set.of(IpcSubscriber.class,
			IpcRpcHandler.class);

	private final Set<Class<?>> nonAnnotatedClasses = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lock = new ReentrantLock();

	private final List<HandlerDefinition> pending = new ArrayList<>();

	private final Map<String, Method> rpcRequestNames = new LinkedHashMap<>();

	private boolean initialized;

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private @Nullable BeanExpressionContext expressionContext;

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory configurable) {
			this.beanFactory = configurable;
			this.expressionContext = new BeanExpressionContext(configurable, null);
		}
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof AopInfrastructureBean) {
			return bean;
		}
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		if (this.nonAnnotatedClasses.contains(targetClass)) {
			return bean;
		}
		if (!AnnotationUtils.isCandidateClass(targetClass, ANNOTATIONS)) {
			this.nonAnnotatedClasses.add(targetClass);
			return bean;
		}
		Map<Method, IpcSubscriber> subscribers = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<IpcSubscriber>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, IpcSubscriber.class));
		Map<Method, IpcRpcHandler> rpcHandlers = MethodIntrospector.selectMethods(targetClass,
				(MethodIntrospector.MetadataLookup<IpcRpcHandler>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, IpcRpcHandler.class));
		if (subscribers.isEmpty() && rpcHandlers.isEmpty()) {
			this.nonAnnotatedClasses.add(targetClass);
			return bean;
		}
		List<HandlerDefinition> definitions = new ArrayList<>();
		for (Map.Entry<Method, IpcSubscriber> entry : sorted(subscribers)) {
			if (rpcHandlers.containsKey(entry.getKey())) {
				throw new IpcHandlerDefinitionException("Method " + IpcHandlerEndpoint.describe(entry.getKey())
						+ " is annotated with both @IpcSubscriber and @IpcRpcHandler; keep one");
			}
			definitions.add(subscriber(beanName, bean, targetClass, entry.getKey(), entry.getValue()));
		}
		for (Map.Entry<Method, IpcRpcHandler> entry : sorted(rpcHandlers)) {
			definitions.add(rpcHandler(beanName, bean, targetClass, entry.getKey(), entry.getValue()));
		}
		this.lock.lock();
		try {
			for (HandlerDefinition definition : definitions) {
				if (definition.responseType() != null) {
					Method existing = this.rpcRequestNames.putIfAbsent(definition.topic(), definition.method());
					if (existing != null && !existing.equals(definition.method())) {
						throw duplicateRequest(definition.topic(), existing, definition.method());
					}
				}
			}
			if (this.initialized) {
				definitions.forEach(this::register);
			}
			else {
				this.pending.addAll(definitions);
			}
		}
		finally {
			this.lock.unlock();
		}
		return bean;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.lock.lock();
		try {
			this.initialized = true;
			List<HandlerDefinition> definitions = new ArrayList<>(this.pending);
			this.pending.clear();
			definitions.forEach(this::register);
		}
		finally {
			this.lock.unlock();
		}
	}

	private void register(HandlerDefinition definition) {
		if (definition.responseType() != null) {
			registry(IpcRpcHandlerRegistry.class, definition).register(definition);
		}
		else {
			registry(IpcSubscriberRegistry.class, definition).register(definition);
		}
	}

	private <R> R registry(Class<R> type, HandlerDefinition definition) {
		R registry = (this.beanFactory != null) ? this.beanFactory.getBeanProvider(type).getIfUnique() : null;
		if (registry == null) {
			throw new IpcHandlerDefinitionException("Cannot register " + definition.describe() + ": there is no unique "
					+ type.getSimpleName() + " bean (is the IPC auto-configuration disabled?)");
		}
		return registry;
	}

	static IpcHandlerDefinitionException duplicateRequest(String name, Method first, Method second) {
		return new IpcHandlerDefinitionException("Two @IpcRpcHandler methods handle the request type '" + name + "': "
				+ IpcHandlerEndpoint.describe(first) + " and " + IpcHandlerEndpoint.describe(second)
				+ ". A request type has exactly one handler: remove one of them");
	}

	private HandlerDefinition subscriber(String beanName, Object bean, Class<?> targetClass, Method method,
			IpcSubscriber annotation) {
		String where = "@IpcSubscriber method " + IpcHandlerEndpoint.describe(method);
		Method invocable = invocable(method, bean, where);
		Class<?>[] types = method.getParameterTypes();
		HandlerMethodInvoker.Kind[] kinds = new HandlerMethodInvoker.Kind[types.length];
		int payloadIndex = -1;
		boolean takesMessage = false;
		for (int i = 0; i < types.length; i++) {
			if (isTopicParameter(method, i)) {
				if (types[i] != String.class) {
					throw new IpcHandlerDefinitionException(where + ": its @IpcTopic parameter must be a String, not "
							+ types[i].getSimpleName());
				}
				kinds[i] = HandlerMethodInvoker.Kind.TOPIC;
			}
			else if (types[i] == Source.class) {
				kinds[i] = HandlerMethodInvoker.Kind.SOURCE;
			}
			else if (types[i] == IncomingMessage.class) {
				kinds[i] = HandlerMethodInvoker.Kind.MESSAGE;
				takesMessage = true;
			}
			else if (types[i] == RpcContext.class) {
				throw new IpcHandlerDefinitionException(where
						+ ": RpcContext parameters are only available to @IpcRpcHandler methods; take the Source instead");
			}
			else {
				payloadIndex = payloadParameter(where, types, payloadIndex, i);
				kinds[i] = HandlerMethodInvoker.Kind.PAYLOAD;
			}
		}
		String topicAttribute = resolveString(annotation.topic(), where, "topic");
		Type payloadType = null;
		boolean raw = false;
		boolean validate = false;
		Object[] hints = new Object[0];
		String topic;
		if (payloadIndex < 0) {
			if (!takesMessage) {
				throw new IpcHandlerDefinitionException(where + " has no usable payload parameter: declare a parameter "
						+ "of the payload type (or byte[] for the raw payload, or IncomingMessage with a topic)");
			}
			if (topicAttribute.isEmpty()) {
				throw new IpcHandlerDefinitionException(where
						+ " takes no payload parameter, so it must name its topic: @IpcSubscriber(topic = \"...\")");
			}
			topic = topicAttribute;
		}
		else {
			payloadType = ResolvableType.forMethodParameter(method, payloadIndex, targetClass).getType();
			Class<?> payloadClass = types[payloadIndex];
			raw = payloadClass == byte[].class;
			Object[] validationHints = validationHints(method, payloadIndex);
			validate = validationHints != null;
			hints = (validationHints != null) ? validationHints : hints;
			if (!topicAttribute.isEmpty()) {
				topic = topicAttribute;
			}
			else if (payloadClass.isAnnotationPresent(IpcPayload.class)) {
				try {
					topic = Topics.nameOf(payloadClass);
				}
				catch (IllegalArgumentException ex) {
					throw new IpcHandlerDefinitionException(where + ": " + ex.getMessage(), ex);
				}
			}
			else {
				throw new IpcHandlerDefinitionException(where + " cannot tell which topic to subscribe to: its payload "
						+ "type " + payloadClass.getName() + " declares no @IpcPayload name. Annotate the type with "
						+ "@IpcPayload(\"<topic>\") or set @IpcSubscriber(topic = \"...\")");
			}
		}
		if (Topics.isReserved(topic)) {
			throw new IpcHandlerDefinitionException(where + " subscribes to the reserved topic '" + topic
					+ "', which carries RPC envelopes: answer requests with @IpcRpcHandler, or choose another topic");
		}
		Class<?> returnType = method.getReturnType();
		if (returnType != void.class && returnType != Void.class && !CompletionStage.class.isAssignableFrom(returnType)) {
			throw new IpcHandlerDefinitionException(where + " returns " + returnType.getSimpleName()
					+ ", which would be ignored: subscribers return void, or a CompletionStage to complete asynchronously");
		}
		return new HandlerDefinition(beanName, bean, method, invocable,
				resolveId(annotation.id(), targetClass, method, where), kinds, payloadType, raw, validate, hints,
				resolveConcurrency(annotation.concurrency(), where), resolveAutoStartup(annotation.autoStartup(), where),
				resolveSourceFilter(annotation.sources(), annotation.users(), where), topic, null,
				emptyToNull(resolveString(annotation.errorHandler(), where, "errorHandler")));
	}

	private HandlerDefinition rpcHandler(String beanName, Object bean, Class<?> targetClass, Method method,
			IpcRpcHandler annotation) {
		String where = "@IpcRpcHandler method " + IpcHandlerEndpoint.describe(method);
		Method invocable = invocable(method, bean, where);
		Class<?>[] types = method.getParameterTypes();
		HandlerMethodInvoker.Kind[] kinds = new HandlerMethodInvoker.Kind[types.length];
		int payloadIndex = -1;
		for (int i = 0; i < types.length; i++) {
			if (isTopicParameter(method, i)) {
				throw new IpcHandlerDefinitionException(where
						+ ": @IpcTopic is only available to @IpcSubscriber methods (requests always travel on the RPC topic)");
			}
			if (types[i] == Source.class) {
				kinds[i] = HandlerMethodInvoker.Kind.SOURCE;
			}
			else if (types[i] == RpcContext.class) {
				kinds[i] = HandlerMethodInvoker.Kind.RPC_CONTEXT;
			}
			else if (types[i] == IncomingMessage.class) {
				throw new IpcHandlerDefinitionException(where
						+ ": IncomingMessage parameters are only available to @IpcSubscriber methods; take the RpcContext instead");
			}
			else {
				payloadIndex = payloadParameter(where, types, payloadIndex, i);
				kinds[i] = HandlerMethodInvoker.Kind.PAYLOAD;
			}
		}
		if (payloadIndex < 0) {
			throw new IpcHandlerDefinitionException(where + " has no usable payload parameter: declare a parameter of "
					+ "the request type, a class implementing RpcRequest<Response> annotated with @IpcPayload");
		}
		Class<?> requestType = types[payloadIndex];
		if (!RpcRequest.class.isAssignableFrom(requestType)) {
			throw new IpcHandlerDefinitionException(where + " has no usable payload parameter: its parameter type "
					+ requestType.getName() + " does not implement RpcRequest<Response>");
		}
		if (requestType.isInterface() || Modifier.isAbstract(requestType.getModifiers())) {
			throw new IpcHandlerDefinitionException(where + ": its request type " + requestType.getName()
					+ " is abstract, so requests cannot be deserialized into it; declare the concrete request class");
		}
		String name;
		try {
			name = Topics.nameOf(requestType);
		}
		catch (IllegalArgumentException ex) {
			throw new IpcHandlerDefinitionException(where + ": " + ex.getMessage(), ex);
		}
		ResolvableType response = ResolvableType.forClass(requestType).as(RpcRequest.class).getGeneric(0);
		if (response == ResolvableType.NONE || response.resolve() == null) {
			throw new IpcHandlerDefinitionException(where + ": cannot resolve the response type of "
					+ requestType.getName() + "; implement RpcRequest<ConcreteResponse> on the request class");
		}
		checkReturnType(where, method, targetClass, requestType, response);
		Object[] validationHints = validationHints(method, payloadIndex);
		return new HandlerDefinition(beanName, bean, method, invocable,
				resolveId(annotation.id(), targetClass, method, where), kinds, requestType, false,
				validationHints != null, (validationHints != null) ? validationHints : new Object[0],
				resolveConcurrency(annotation.concurrency(), where), resolveAutoStartup(annotation.autoStartup(), where),
				resolveSourceFilter(annotation.sources(), annotation.users(), where), name, response.getType(), null);
	}

	private static void checkReturnType(String where, Method method, Class<?> targetClass, Class<?> requestType,
			ResolvableType response) {
		ResolvableType returned = ResolvableType.forMethodReturnType(method, targetClass);
		boolean async = CompletionStage.class.isAssignableFrom(returned.toClass());
		ResolvableType value = async ? returned.as(CompletionStage.class).getGeneric(0) : returned;
		Class<?> valueClass = value.resolve();
		if (valueClass == null || valueClass == Object.class && async) {
			return; // raw or unchecked future: cannot tell
		}
		if (valueClass == void.class) {
			if (response.toClass() == Void.class) {
				return;
			}
			throw new IpcHandlerDefinitionException(where + " returns void, but " + requestType.getSimpleName()
					+ " is answered with " + response + ": return the response");
		}
		if (!response.isAssignableFrom(value)) {
			throw new IpcHandlerDefinitionException(where + " returns " + returned + ", but "
					+ requestType.getSimpleName() + " is answered with " + response + ": return " + response
					+ " or CompletionStage<" + response + ">");
		}
	}

	private static int payloadParameter(String where, Class<?>[] types, int current, int index) {
		if (current >= 0) {
			throw new IpcHandlerDefinitionException(where + " has more than one payload parameter (" + types[current]
				.getSimpleName() + " and " + types[index].getSimpleName() + "): take one payload, plus optionally "
					+ "Source, IncomingMessage, @IpcTopic String or RpcContext");
		}
		return index;
	}

	private static boolean isTopicParameter(Method method, int index) {
		return AnnotatedElementUtils.hasAnnotation(method.getParameters()[index], IpcTopic.class);
	}

	private static Object @Nullable [] validationHints(Method method, int index) {
		for (Annotation annotation : method.getParameterAnnotations()[index]) {
			Object[] hints = ValidationAnnotationUtils.determineValidationHints(annotation);
			if (hints != null) {
				return hints;
			}
		}
		return null;
	}

	private static Method invocable(Method method, Object bean, String where) {
		try {
			return AopUtils.selectInvocableMethod(method, bean.getClass());
		}
		catch (IllegalStateException ex) {
			throw new IpcHandlerDefinitionException(where + " cannot be invoked on its bean, which is a proxy: "
					+ ex.getMessage() + ". Declare the method on an interface the proxy implements, make it "
					+ "non-private, or proxy the target class", ex);
		}
	}

	private static <A> List<Map.Entry<Method, A>> sorted(Map<Method, A> methods) {
		List<Map.Entry<Method, A>> entries = new ArrayList<>(methods.entrySet());
		entries.sort(Map.Entry.comparingByKey((a, b) -> a.toGenericString().compareTo(b.toGenericString())));
		return entries;
	}

	private String resolveId(String value, Class<?> targetClass, Method method, String where) {
		String id = resolveString(value, where, "id");
		return id.isEmpty() ? targetClass.getName() + "." + method.getName() : id;
	}

	private @Nullable Integer resolveConcurrency(String value, String where) {
		String resolved = resolveString(value, where, "concurrency");
		if (resolved.isEmpty()) {
			return null;
		}
		try {
			int concurrency = Integer.parseInt(resolved.trim());
			if (concurrency >= 1) {
				return concurrency;
			}
		}
		catch (NumberFormatException ex) {
			// reported below
		}
		throw new IpcHandlerDefinitionException(where + ": concurrency '" + resolved + "' is not a positive integer");
	}

	private @Nullable Boolean resolveAutoStartup(String value, String where) {
		String resolved = resolveString(value, where, "autoStartup").trim();
		if (resolved.isEmpty()) {
			return null;
		}
		if ("true".equalsIgnoreCase(resolved) || "false".equalsIgnoreCase(resolved)) {
			return Boolean.valueOf(resolved);
		}
		throw new IpcHandlerDefinitionException(where + ": autoStartup '" + resolved + "' is neither true nor false");
	}

	private SourceFilter resolveSourceFilter(String[] sources, String[] users, String where) {
		return SourceFilter.of(resolveList(sources, where, "sources"), resolveList(users, where, "users"));
	}

	private List<String> resolveList(String[] values, String where, String attribute) {
		List<String> result = new ArrayList<>();
		for (String value : values) {
			Object resolved = resolve(value);
			if (resolved instanceof String[] array) {
				result.addAll(Arrays.asList(array));
			}
			else if (resolved instanceof Collection<?> collection) {
				collection.forEach((element) -> result.add(String.valueOf(element)));
			}
			else if (resolved != null) {
				String text = resolved.toString();
				boolean dynamic = value.contains("${") || value.contains("#{");
				result.addAll(dynamic ? Arrays.asList(StringUtils.commaDelimitedListToStringArray(text))
						: List.of(text));
			}
		}
		List<String> trimmed = result.stream().map(String::trim).filter((s) -> !s.isEmpty()).toList();
		if (values.length > 0 && trimmed.isEmpty()) {
			throw new IpcHandlerDefinitionException(where + ": " + attribute + " " + Arrays.toString(values)
					+ " resolved to nothing, which would accept every source; remove the attribute to accept all");
		}
		return trimmed;
	}

	private String resolveString(String value, String where, String attribute) {
		if (value.isEmpty()) {
			return value;
		}
		Object resolved = resolve(value);
		if (resolved == null) {
			return "";
		}
		if (!(resolved instanceof String) && !(resolved instanceof Number) && !(resolved instanceof Boolean)) {
			throw new IpcHandlerDefinitionException(where + ": " + attribute + " '" + value
					+ "' resolved to a " + resolved.getClass().getName() + ", not a String");
		}
		return resolved.toString();
	}

	private @Nullable Object resolve(String value) {
		ConfigurableListableBeanFactory factory = this.beanFactory;
		if (factory == null) {
			return value;
		}
		String resolved = factory.resolveEmbeddedValue(value);
		BeanExpressionResolver resolver = factory.getBeanExpressionResolver();
		if (resolver == null || resolved == null) {
			return resolved;
		}
		return resolver.evaluate(resolved, this.expressionContext);
	}

	private static @Nullable String emptyToNull(String value) {
		return value.isEmpty() ? null : value;
	}

}
