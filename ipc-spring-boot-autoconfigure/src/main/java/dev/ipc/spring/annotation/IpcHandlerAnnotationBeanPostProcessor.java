package dev.ipc.spring.annotation;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
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
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationAwareOrderComparator;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.messaging.handler.annotation.support.MessageHandlerMethodFactory;

import dev.ipc.model.IpcPayload;
import dev.ipc.model.Topics;
import dev.ipc.rpc.RpcRequest;
import dev.ipc.spring.annotation.support.IpcMessageHandlerMethodFactory;

/**
 * Finds {@link IpcSubscriber} and {@link IpcRpcHandler} methods on every bean (looking
 * through AOP proxies, and on beans created late) and the {@link IpcAdvice} beans; once
 * all singletons exist, checks the methods' signatures against the handlers'
 * {@code MessageHandlerMethodFactory} (bean
 * {@value IpcMessageHandlerMethodFactory#BEAN_NAME}) and registers them in the
 * {@link IpcSubscriberRegistry} and the {@link IpcRpcHandlerRegistry}. A method that
 * cannot work fails startup with an {@link IpcHandlerDefinitionException} naming it.
 *
 * <p>
 * Registered by the auto-configuration; checking and registration wait for
 * {@link #afterSingletonsInstantiated()} so that the factory, the registries, the client
 * and their collaborators are never created early, from inside another bean's creation. A
 * bean created later is checked and registered as it is created.
 *
 * @author IPC contributors
 * @since 0.1.0
 */
public class IpcHandlerAnnotationBeanPostProcessor
		implements BeanPostProcessor, Ordered, BeanFactoryAware, SmartInitializingSingleton {

	/** The bean name under which the auto-configuration registers this post-processor. */
	public static final String BEAN_NAME = "dev.ipc.spring.annotation.internalIpcHandlerAnnotationProcessor";

	private static final Set<Class<? extends Annotation>> ANNOTATIONS = Set.of(IpcSubscriber.class, IpcRpcHandler.class,
			IpcAdvice.class, IpcExceptionHandler.class);

	private final Set<Class<?>> nonAnnotatedClasses = ConcurrentHashMap.newKeySet();

	private final ReentrantLock lock = new ReentrantLock();

	private final List<Candidate> pending = new ArrayList<>();

	private final Map<Object, Class<?>> adviceBeans = new IdentityHashMap<>();

	private @Nullable MessageHandlerMethodFactory factory;

	private @Nullable RpcExceptionHandlers exceptionHandlers;

	private final Map<String, Method> rpcRequestNames = new LinkedHashMap<>();

	private boolean initialized;

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private HandlerAttributes attributes = new HandlerAttributes(null);

	@Override
	public int getOrder() {
		return LOWEST_PRECEDENCE;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory configurable) {
			this.beanFactory = configurable;
			this.attributes = new HandlerAttributes(configurable);
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
		if (AnnotatedElementUtils.hasAnnotation(targetClass, IpcAdvice.class)) {
			this.lock.lock();
			try {
				this.adviceBeans.put(bean, targetClass);
				this.exceptionHandlers = null;
			}
			finally {
				this.lock.unlock();
			}
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
		List<Candidate> candidates = new ArrayList<>();
		for (Map.Entry<Method, IpcSubscriber> entry : sorted(subscribers)) {
			if (rpcHandlers.containsKey(entry.getKey())) {
				throw new IpcHandlerDefinitionException("Method " + IpcHandlerEndpoint.describe(entry.getKey())
						+ " is annotated with both @IpcSubscriber and @IpcRpcHandler", "Keep one of them");
			}
			candidates.add(new Candidate(beanName, bean, targetClass, entry.getKey(), entry.getValue()));
		}
		for (Map.Entry<Method, IpcRpcHandler> entry : sorted(rpcHandlers)) {
			candidates.add(new Candidate(beanName, bean, targetClass, entry.getKey(), entry.getValue()));
		}
		this.lock.lock();
		try {
			if (this.initialized) {
				process(candidates);
			}
			else {
				this.pending.addAll(candidates);
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
			List<Candidate> candidates = new ArrayList<>(this.pending);
			this.pending.clear();
			process(candidates);
			if (!this.adviceBeans.isEmpty()) {
				exceptionHandlers(factory()); // an invalid advice fails startup even
												// before an RPC handler uses it
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Checks the candidates' signatures against the handlers' factory and registers them;
	 * under the lock.
	 */
	private void process(List<Candidate> candidates) {
		if (candidates.isEmpty()) {
			return;
		}
		MessageHandlerMethodFactory factory = factory();
		List<HandlerDefinition> definitions = new ArrayList<>();
		for (Candidate candidate : candidates) {
			HandlerDefinition definition = (candidate.annotation() instanceof IpcSubscriber subscriber)
					? subscriber(candidate, subscriber, factory)
					: rpcHandler(candidate, (IpcRpcHandler) candidate.annotation(), factory);
			if (definition.responseType() != null) {
				Method existing = this.rpcRequestNames.putIfAbsent(definition.topic(), definition.method());
				if (existing != null && !existing.equals(definition.method())) {
					throw duplicateRequest(definition.topic(), existing, definition.method());
				}
			}
			definitions.add(definition);
		}
		definitions.forEach(this::register);
	}

	private MessageHandlerMethodFactory factory() {
		MessageHandlerMethodFactory current = this.factory;
		if (current == null) {
			ConfigurableListableBeanFactory bf = this.beanFactory;
			if (bf == null || !bf.containsBean(IpcMessageHandlerMethodFactory.BEAN_NAME)) {
				throw new IpcHandlerDefinitionException("Cannot register annotated IPC handlers: there is no "
						+ "MessageHandlerMethodFactory bean named '" + IpcMessageHandlerMethodFactory.BEAN_NAME + "'",
						"Keep the IPC auto-configuration enabled, or define that bean");
			}
			current = bf.getBean(IpcMessageHandlerMethodFactory.BEAN_NAME, MessageHandlerMethodFactory.class);
			this.factory = current;
		}
		return current;
	}

	private static @Nullable IpcMessageHandlerMethodFactory knownFactory(MessageHandlerMethodFactory factory) {
		return (factory instanceof IpcMessageHandlerMethodFactory ours && ours.knowsItsResolvers()) ? ours : null;
	}

	private RpcExceptionHandlers exceptionHandlers(MessageHandlerMethodFactory factory) {
		RpcExceptionHandlers current = this.exceptionHandlers;
		if (current == null) {
			Map<Object, Class<?>> ordered = new LinkedHashMap<>();
			List<Object> beans = new ArrayList<>(this.adviceBeans.keySet());
			AnnotationAwareOrderComparator.sort(beans);
			beans.forEach((bean) -> ordered.put(bean, this.adviceBeans.get(bean)));
			current = RpcExceptionHandlers.of(ordered, factory, knownFactory(factory) == null);
			this.exceptionHandlers = current;
		}
		return current;
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
		return new IpcHandlerDefinitionException(
				"Two @IpcRpcHandler methods handle the request type '" + name + "': "
						+ IpcHandlerEndpoint.describe(first) + " and " + IpcHandlerEndpoint.describe(second),
				"A request type has exactly one handler: remove one of them");
	}

	private HandlerDefinition subscriber(Candidate candidate, IpcSubscriber annotation,
			MessageHandlerMethodFactory factory) {
		Method method = candidate.method();
		String where = "@IpcSubscriber method " + IpcHandlerEndpoint.describe(method);
		Signature signature = Signature.of(where, candidate, factory, true);
		String topicAttribute = this.attributes.string(annotation.topic(), where, "topic");
		String topic;
		if (signature.payloadType() == null) {
			if (!signature.takesMessage()) {
				throw new IpcHandlerDefinitionException(where + " has no usable payload parameter",
						"Declare a parameter of the payload type (or byte[] for the raw payload, or IncomingMessage "
								+ "with a topic)");
			}
			if (topicAttribute.isEmpty()) {
				throw new IpcHandlerDefinitionException(
						where + " takes no payload parameter, so it must name its topic",
						"Set @IpcSubscriber(topic = \"...\")");
			}
			topic = topicAttribute;
		}
		else {
			Class<?> payloadClass = ResolvableType.forType(signature.payloadType()).toClass();
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
				throw new IpcHandlerDefinitionException(
						where + " cannot tell which topic to subscribe to: its payload " + "type "
								+ payloadClass.getName() + " declares no @IpcPayload name",
						"Annotate the type with @IpcPayload(\"<topic>\") or set @IpcSubscriber(topic = \"...\")");
			}
		}
		if (Topics.isReserved(topic)) {
			throw new IpcHandlerDefinitionException(where + " subscribes to the reserved topic '" + topic
					+ "', which carries RPC envelopes: answer requests with @IpcRpcHandler, or choose another topic");
		}
		Class<?> returnType = method.getReturnType();
		if (returnType != void.class && returnType != Void.class
				&& !CompletionStage.class.isAssignableFrom(returnType)) {
			throw new IpcHandlerDefinitionException(where + " returns " + returnType.getSimpleName()
					+ ", which would be ignored: subscribers return void, or a CompletionStage to complete asynchronously");
		}
		HandlerAttributes attrs = this.attributes;
		return new HandlerDefinition(candidate.beanName(), candidate.bean(), method,
				attrs.id(annotation.id(), candidate.targetClass(), method, where), signature.handlerMethod(),
				signature.provideIpcArguments(), signature.payloadType(), signature.rawPayload(), signature.validate(),
				attrs.concurrency(annotation.concurrency(), where), attrs.autoStartup(annotation.autoStartup(), where),
				attrs.sourceFilter(annotation.sources(), annotation.users(), where), topic, null,
				HandlerAttributes.emptyToNull(attrs.string(annotation.errorHandler(), where, "errorHandler")), null);
	}

	private HandlerDefinition rpcHandler(Candidate candidate, IpcRpcHandler annotation,
			MessageHandlerMethodFactory factory) {
		Method method = candidate.method();
		Class<?> targetClass = candidate.targetClass();
		String where = "@IpcRpcHandler method " + IpcHandlerEndpoint.describe(method);
		Signature signature = Signature.of(where, candidate, factory, false);
		if (signature.payloadType() == null) {
			throw new IpcHandlerDefinitionException(where + " has no usable payload parameter",
					"Declare a parameter of the request type, a class implementing RpcRequest<Response> annotated "
							+ "with @IpcPayload");
		}
		Class<?> requestType = ResolvableType.forType(signature.payloadType()).toClass();
		if (!RpcRequest.class.isAssignableFrom(requestType)) {
			throw new IpcHandlerDefinitionException(
					where + " has no usable payload parameter: its parameter type " + requestType.getName()
							+ " does not implement RpcRequest<Response>",
					"Take the request type, a class implementing RpcRequest<Response> annotated with @IpcPayload");
		}
		if (requestType.isInterface() || Modifier.isAbstract(requestType.getModifiers())) {
			throw new IpcHandlerDefinitionException(
					where + ": its request type " + requestType.getName()
							+ " is abstract, so requests cannot be deserialized into it",
					"Declare the concrete request class");
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
			throw new IpcHandlerDefinitionException(
					where + ": cannot resolve the response type of " + requestType.getName(),
					"Implement RpcRequest<ConcreteResponse> on the request class");
		}
		checkReturnType(where, method, targetClass, requestType, response);
		HandlerAttributes attrs = this.attributes;
		return new HandlerDefinition(candidate.beanName(), candidate.bean(), method,
				attrs.id(annotation.id(), targetClass, method, where), signature.handlerMethod(),
				signature.provideIpcArguments(), requestType, false, signature.validate(),
				attrs.concurrency(annotation.concurrency(), where), attrs.autoStartup(annotation.autoStartup(), where),
				attrs.sourceFilter(annotation.sources(), annotation.users(), where), name, response.getType(), null,
				exceptionHandlers(factory).forHandlerBean(candidate.bean(), targetClass));
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
			throw new IpcHandlerDefinitionException(
					where + " returns " + returned + ", but " + requestType.getSimpleName() + " is answered with "
							+ response + ": return " + response + " or CompletionStage<" + response + ">");
		}
	}

	private static <A> List<Map.Entry<Method, A>> sorted(Map<Method, A> methods) {
		List<Map.Entry<Method, A>> entries = new ArrayList<>(methods.entrySet());
		entries.sort(Map.Entry.comparingByKey((a, b) -> a.toGenericString().compareTo(b.toGenericString())));
		return entries;
	}

	/** An annotated method found on a bean, checked once all singletons exist. */
	record Candidate(String beanName, Object bean, Class<?> targetClass, Method method, Annotation annotation) {
	}

}
