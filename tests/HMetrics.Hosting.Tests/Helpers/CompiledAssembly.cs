using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace HMetrics.Hosting.Tests.Helpers;

/// <summary>
/// A compiled assembly as its metadata and IL say it is: every method, each call it makes (with whether a catch-all
/// covers it), and every type of the assembly each of its types refers to. Read with
/// <see cref="System.Reflection.Metadata"/>, without loading or running anything.
/// </summary>
/// <remarks>
/// Calls are <c>call</c>, <c>callvirt</c> and <c>newobj</c>; a method whose address is taken (<c>ldftn</c>, a lambda or
/// a method group turned into a delegate) runs whenever its delegate is invoked, not where it was created, so no catch
/// around the creation protects it.
/// </remarks>
internal sealed class CompiledAssembly
{
    private static readonly OpCode[] _oneByte = new OpCode[0x100];
    private static readonly OpCode[] _twoByte = new OpCode[0x100];

    private readonly MetadataReader _metadata;
    private readonly Dictionary<MethodDefinitionHandle, CompiledMethod> _methods = [];
    private readonly HashSet<TypeDefinitionHandle> _namedByTypeof = [];

    static CompiledAssembly()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var opCode = (OpCode)field.GetValue(null)!;
            var value = unchecked((ushort)opCode.Value);
            if (opCode.Size == 1)
            {
                _oneByte[value] = opCode;
            }
            else
            {
                _twoByte[value & 0xFF] = opCode;
            }
        }
    }

    private CompiledAssembly(string path)
    {
        // Everything is read here: the metadata is not used once the constructor has returned and the image is released.
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream, PEStreamOptions.PrefetchEntireImage);
        _metadata = pe.GetMetadataReader();
        var references = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var typeHandle in _metadata.TypeDefinitions)
        {
            var type = _metadata.GetTypeDefinition(typeHandle);
            var typeName = TypeName(typeHandle);
            var referenced = ReferencesOf(references, OutermostName(typeHandle));
            AddTypes(referenced, type.BaseType);
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                AddTypes(referenced, _metadata.GetInterfaceImplementation(implementation).Interface);
            }

            foreach (var fieldHandle in type.GetFields())
            {
                var names = new TypeNames(this);
                _ = _metadata.GetFieldDefinition(fieldHandle).DecodeSignature(names, null);
                referenced.UnionWith(names.Definitions);
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var method = _metadata.GetMethodDefinition(methodHandle);
                var signature = new TypeNames(this);
                _ = method.DecodeSignature(signature, null);
                referenced.UnionWith(signature.Definitions);
                var compiled = new CompiledMethod(
                    typeName,
                    _metadata.GetString(method.Name),
                    IsVirtual: (method.Attributes & MethodAttributes.Virtual) != 0,
                    IsExternallyVisible: IsExternallyVisible(typeHandle, method.Attributes))
                {
                    DeclaringType = typeHandle,
                };
                _methods.Add(methodHandle, compiled);
                if (method.RelativeVirtualAddress != 0)
                {
                    ReadBody(compiled, pe.GetMethodBody(method.RelativeVirtualAddress), referenced);
                }
            }
        }

        var constructedByReflection = TypesNamedAsArguments();
        constructedByReflection.UnionWith(_namedByTypeof);
        foreach (var method in _methods.Values)
        {
            method.IsConstructedByReflection = method.Name == ".ctor" && constructedByReflection.Contains(method.DeclaringType);
        }

        References = references.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value, StringComparer.Ordinal);
        foreach (var method in _methods.Values)
        {
            foreach (var call in method.Calls)
            {
                if (call.Definition is { } target && _methods.TryGetValue(target, out var callee))
                {
                    callee.Callers.Add(call);
                }
            }
        }

        InferGuardedByCallers();
    }

    /// <summary>Gets every method with a body or without one (abstract, extern).</summary>
    public IEnumerable<CompiledMethod> Methods => _methods.Values;

    /// <summary>Gets, per top-level type (full name), the full names of the assembly's own top-level types it refers to.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> References { get; }

    /// <summary>Reads the assembly <paramref name="assembly"/> was loaded from.</summary>
    public static CompiledAssembly Of(Assembly assembly) => new(assembly.Location);

    private static HashSet<string> ReferencesOf(Dictionary<string, HashSet<string>> all, string type)
    {
        if (!all.TryGetValue(type, out var set))
        {
            all[type] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        return set;
    }

    private bool IsExternallyVisible(TypeDefinitionHandle typeHandle, MethodAttributes attributes)
    {
        var access = attributes & MethodAttributes.MemberAccessMask;
        if (access is not (MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem))
        {
            return false;
        }

        for (var handle = typeHandle; !handle.IsNil;)
        {
            var type = _metadata.GetTypeDefinition(handle);
            var visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility is not (TypeAttributes.Public or TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem))
            {
                return false;
            }

            handle = type.GetDeclaringType();
        }

        return true;
    }

    // A type named as a generic argument (AddSingleton<TService, TImplementation>()) or by typeof may be constructed by
    // reflection (dependency injection): its constructors have callers the IL does not show.
    private HashSet<TypeDefinitionHandle> TypesNamedAsArguments()
    {
        var named = new HashSet<TypeDefinitionHandle>();
        for (var row = 1; row <= _metadata.GetTableRowCount(TableIndex.MethodSpec); row++)
        {
            var names = new TypeNames(this);
            _ = _metadata.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row)).DecodeSignature(names, null);
            named.UnionWith(names.DefinitionHandles);
        }

        for (var row = 1; row <= _metadata.GetTableRowCount(TableIndex.TypeSpec); row++)
        {
            var names = new TypeNames(this);
            _ = _metadata.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).DecodeSignature(names, null);

            // A generic instantiation's definition is not constructed by naming it; its arguments may be.
            named.UnionWith(names.ArgumentHandles);
        }

        return named;
    }

    private void ReadBody(CompiledMethod method, MethodBodyBlock body, HashSet<string> referenced)
    {
        if (!body.LocalSignature.IsNil)
        {
            var locals = new TypeNames(this);
            _ = _metadata.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(locals, null);
            referenced.UnionWith(locals.Definitions);
        }

        var il = body.GetILReader();
        var calls = new List<(int Offset, ILOpCode OpCode, EntityHandle Target)>();
        while (il.RemainingBytes > 0)
        {
            var offset = il.Offset;
            int value = il.ReadByte();
            var opCode = value == 0xFE ? _twoByte[il.ReadByte()] : _oneByte[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok:
                    var token = MetadataTokens.EntityHandle(il.ReadInt32());
                    AddTypes(referenced, token);
                    var code = (ILOpCode)unchecked((ushort)opCode.Value);
                    if (code == ILOpCode.Ldtoken && token.Kind == HandleKind.TypeDefinition)
                    {
                        _ = _namedByTypeof.Add((TypeDefinitionHandle)token);
                    }

                    if (code is ILOpCode.Call or ILOpCode.Callvirt or ILOpCode.Newobj or ILOpCode.Ldftn or ILOpCode.Ldvirtftn)
                    {
                        calls.Add((offset, code, token));
                    }

                    break;
                default:
                    SkipOperand(ref il, opCode.OperandType);
                    break;
            }
        }

        var catchAlls = body.ExceptionRegions.Where(r => CatchesEverything(body, r)).ToList();
        foreach (var (offset, code, token) in calls)
        {
            var (type, name, definition) = Target(token);
            if (code is ILOpCode.Ldftn or ILOpCode.Ldvirtftn)
            {
                if (definition is { } taken)
                {
                    method.AddressTaken.Add(taken);
                }

                continue;
            }

            var covered = catchAlls.Any(r => offset >= r.TryOffset && offset < r.TryOffset + r.TryLength);
            method.Calls.Add(new CallSite(method, offset, code, type, name, definition, covered));
        }
    }

    // A catch of Exception or Object (or a filter that starts by testing for one of them), and not the catch the compiler
    // puts around an async method's body to hand the exception to its task: that one ends the task, it contains nothing.
    private bool CatchesEverything(MethodBodyBlock body, ExceptionRegion region)
    {
        var caught = region.Kind switch
        {
            ExceptionRegionKind.Catch => TypeName(region.CatchType),
            ExceptionRegionKind.Filter => FilterType(body, region),
            _ => null,
        };
        return caught is "System.Exception" or "System.Object" && !IsBuilderCatch(body, region);
    }

    // C# compiles `catch (T e) when (…)` to a filter whose first instruction is `isinst T`.
    private string? FilterType(MethodBodyBlock body, ExceptionRegion region)
    {
        var il = body.GetILReader();
        il.Offset = region.FilterOffset;
        return il.ReadByte() == (byte)ILOpCode.Isinst ? TypeName(MetadataTokens.EntityHandle(il.ReadInt32())) : null;
    }

    private bool IsBuilderCatch(MethodBodyBlock body, ExceptionRegion region)
    {
        var il = body.GetILReader();
        il.Offset = region.HandlerOffset;
        var end = region.HandlerOffset + region.HandlerLength;
        var touchesBuilder = false;
        var setsException = false;
        while (il.Offset < end)
        {
            int value = il.ReadByte();
            var opCode = value == 0xFE ? _twoByte[il.ReadByte()] : _oneByte[value];
            switch (opCode.OperandType)
            {
                case OperandType.InlineMethod:
                    var (_, name, _) = Target(MetadataTokens.EntityHandle(il.ReadInt32()));
                    setsException |= name == "SetException";
                    break;
                case OperandType.InlineField:
                    var field = MetadataTokens.EntityHandle(il.ReadInt32());
                    var fieldName = field.Kind == HandleKind.FieldDefinition
                        ? _metadata.GetString(_metadata.GetFieldDefinition((FieldDefinitionHandle)field).Name)
                        : field.Kind == HandleKind.MemberReference ? _metadata.GetString(_metadata.GetMemberReference((MemberReferenceHandle)field).Name) : string.Empty;
                    touchesBuilder |= fieldName is "<>t__builder" or "<>v__promiseOfValueOrEnd";
                    break;
                default:
                    SkipOperand(ref il, opCode.OperandType);
                    break;
            }
        }

        return touchesBuilder && setsException;
    }

    // Moves past an instruction's operand without reading it.
    private static void SkipOperand(ref BlobReader il, OperandType operandType)
    {
        // The switch's count is read first: `il.Offset += 4 * il.ReadInt32()` would read Offset before the count moved it.
        var length = operandType switch
        {
            OperandType.InlineNone => 0,
            OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
            OperandType.InlineVar => 2,
            OperandType.InlineI8 or OperandType.InlineR => 8,
            OperandType.InlineSwitch => 4 * il.ReadInt32(),

            // InlineI, InlineBrTarget, InlineSig, InlineString, ShortInlineR, and the tokens: four bytes.
            _ => 4,
        };
        il.Offset += length;
    }

    // A method is guarded by its callers when every call to it is itself covered by a catch-all, or made from a method
    // guarded by its callers, and nothing else can call it: it is not virtual (an interface or override has callers the
    // IL does not show), its address is never taken, nothing outside the assembly can see it, and it is no constructor
    // dependency injection may call. The least fixed point: a cycle that no guarded call enters stays unguarded.
    private void InferGuardedByCallers()
    {
        var addressTaken = _methods.Values.SelectMany(m => m.AddressTaken).ToHashSet();
        var candidates = _methods
            .Where(p => !p.Value.IsVirtual && !p.Value.IsExternallyVisible && !p.Value.IsConstructedByReflection && !addressTaken.Contains(p.Key) && p.Value.Callers.Count > 0)
            .Select(p => p.Value)
            .ToList();
        bool changed;
        do
        {
            changed = false;
            foreach (var method in candidates)
            {
                if (!method.GuardedByCallers && method.Callers.All(c => c.InCatchAll || c.Caller.GuardedByCallers))
                {
                    method.GuardedByCallers = true;
                    changed = true;
                }
            }
        }
        while (changed);
    }

    private (string Type, string Name, MethodDefinitionHandle? Definition) Target(EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
                var definitionHandle = (MethodDefinitionHandle)handle;
                var definition = _metadata.GetMethodDefinition(definitionHandle);
                return (TypeName(definition.GetDeclaringType()), _metadata.GetString(definition.Name), definitionHandle);
            case HandleKind.MemberReference:
                var reference = _metadata.GetMemberReference((MemberReferenceHandle)handle);
                var name = _metadata.GetString(reference.Name);
                var parent = TypeName(reference.Parent);

                // A method of a generic type of this assembly, called on an instantiation: the definition by name.
                var own = reference.Parent.Kind == HandleKind.TypeSpecification ? OwnGenericDefinition((TypeSpecificationHandle)reference.Parent) : null;
                var match = own is { } ownType
                    ? _metadata.GetTypeDefinition(ownType).GetMethods().Cast<MethodDefinitionHandle?>().FirstOrDefault(m => _metadata.GetString(_metadata.GetMethodDefinition(m!.Value).Name) == name)
                    : null;
                return (parent, name, match);
            case HandleKind.MethodSpecification:
                return Target(_metadata.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return (string.Empty, string.Empty, null);
        }
    }

    private TypeDefinitionHandle? OwnGenericDefinition(TypeSpecificationHandle handle)
    {
        var names = new TypeNames(this);
        _ = _metadata.GetTypeSpecification(handle).DecodeSignature(names, null);
        return names.GenericDefinitionHandle;
    }

    // Records the assembly's own top-level types that a token names: a type, a member's declaring type, generic arguments.
    private void AddTypes(HashSet<string> referenced, EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                _ = referenced.Add(OutermostName((TypeDefinitionHandle)handle));
                break;
            case HandleKind.TypeSpecification:
                var names = new TypeNames(this);
                _ = _metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(names, null);
                referenced.UnionWith(names.Definitions);
                break;
            case HandleKind.MethodDefinition:
                AddTypes(referenced, _metadata.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                var field = _metadata.GetFieldDefinition((FieldDefinitionHandle)handle);
                AddTypes(referenced, field.GetDeclaringType());
                var fieldNames = new TypeNames(this);
                _ = field.DecodeSignature(fieldNames, null);
                referenced.UnionWith(fieldNames.Definitions);
                break;
            case HandleKind.MemberReference:
                AddTypes(referenced, _metadata.GetMemberReference((MemberReferenceHandle)handle).Parent);
                break;
            case HandleKind.MethodSpecification:
                var specification = _metadata.GetMethodSpecification((MethodSpecificationHandle)handle);
                AddTypes(referenced, specification.Method);
                var arguments = new TypeNames(this);
                _ = specification.DecodeSignature(arguments, null);
                referenced.UnionWith(arguments.Definitions);
                break;
            default:
                break;
        }
    }

    // The full name of a type: namespace and name, nested types after a "+", generic arity as "`1" (as Type.FullName).
    private string TypeName(EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                var definition = _metadata.GetTypeDefinition((TypeDefinitionHandle)handle);
                var declaring = definition.GetDeclaringType();
                return declaring.IsNil
                    ? Qualified(_metadata.GetString(definition.Namespace), _metadata.GetString(definition.Name))
                    : TypeName(declaring) + "+" + _metadata.GetString(definition.Name);
            case HandleKind.TypeReference:
                var reference = _metadata.GetTypeReference((TypeReferenceHandle)handle);
                return reference.ResolutionScope.Kind == HandleKind.TypeReference
                    ? TypeName(reference.ResolutionScope) + "+" + _metadata.GetString(reference.Name)
                    : Qualified(_metadata.GetString(reference.Namespace), _metadata.GetString(reference.Name));
            case HandleKind.TypeSpecification:
                var names = new TypeNames(this);
                return _metadata.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(names, null);
            default:
                return string.Empty;
        }

        static string Qualified(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
    }

    private string OutermostName(TypeDefinitionHandle handle)
    {
        while (_metadata.GetTypeDefinition(handle).GetDeclaringType() is { IsNil: false } declaring)
        {
            handle = declaring;
        }

        return TypeName(handle);
    }

    /// <summary>
    /// Names the types of a signature. A generic instantiation is named by its definition (<c>IOptionsMonitor`1</c>), as
    /// the rules match on; every type of this assembly met on the way is recorded.
    /// </summary>
    private sealed class TypeNames(CompiledAssembly owner) : ISignatureTypeProvider<string, object?>
    {
        public HashSet<string> Definitions { get; } = new(StringComparer.Ordinal);

        public HashSet<TypeDefinitionHandle> DefinitionHandles { get; } = [];

        public HashSet<TypeDefinitionHandle> ArgumentHandles { get; } = [];

        public TypeDefinitionHandle? GenericDefinitionHandle { get; private set; }

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            _ = Definitions.Add(owner.OutermostName(handle));
            _ = DefinitionHandles.Add(handle);
            _ = ArgumentHandles.Add(handle);
            return owner.TypeName(handle);
        }

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => owner.TypeName(handle);

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments)
        {
            // The definition itself is not an argument; recorded as the instantiated type when it is this assembly's.
            var definition = DefinitionHandles.FirstOrDefault(h => owner.TypeName(h) == genericType);
            if (!definition.IsNil)
            {
                GenericDefinitionHandle = definition;
                _ = ArgumentHandles.Remove(definition);
            }

            return genericType;
        }

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[*]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetPinnedType(string elementType) => elementType;

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetFunctionPointerType(MethodSignature<string> signature) => "method*";

        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;

        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => "System." + typeCode;
    }
}

/// <summary>One method of a <see cref="CompiledAssembly"/>.</summary>
/// <param name="Type">The full name of its declaring type.</param>
/// <param name="Name">Its name: <c>.ctor</c>, <c>get_Value</c>, <c>&lt;Main&gt;b__0_0</c> for a lambda.</param>
/// <param name="IsVirtual">Whether it is virtual (an override, an interface member): callers may be outside the IL.</param>
/// <param name="IsExternallyVisible">Whether code outside the assembly can call it.</param>
internal sealed record CompiledMethod(string Type, string Name, bool IsVirtual, bool IsExternallyVisible)
{
    /// <summary>Gets whether it is a constructor of a type dependency injection may make: named as a type argument or by <c>typeof</c>.</summary>
    public bool IsConstructedByReflection { get; set; }

    internal TypeDefinitionHandle DeclaringType { get; init; }

    /// <summary>Gets the calls it makes.</summary>
    public List<CallSite> Calls { get; } = [];

    /// <summary>Gets the calls made to it from its own assembly.</summary>
    public List<CallSite> Callers { get; } = [];

    /// <summary>Gets the methods it turns into delegates.</summary>
    public HashSet<MethodDefinitionHandle> AddressTaken { get; } = [];

    /// <summary>Gets a value indicating whether every way into it passes a catch-all (see <c>InferGuardedByCallers</c>).</summary>
    public bool GuardedByCallers { get; set; }

    /// <summary>Gets the type a nested type (a lambda's closure, an async state machine) belongs to.</summary>
    public string OutermostType => Type.Split('+')[0];

    public override string ToString() => Type + "::" + Name;
}

/// <summary>A <c>call</c>, <c>callvirt</c> or <c>newobj</c> in a method's IL.</summary>
/// <param name="Caller">The method making the call.</param>
/// <param name="Offset">Where in the caller's IL.</param>
/// <param name="OpCode">Which instruction.</param>
/// <param name="TargetType">The full name of the called method's declaring type (a generic one by its definition).</param>
/// <param name="TargetName">The called method's name.</param>
/// <param name="Definition">The called method, when it is of the same assembly.</param>
/// <param name="InCatchAll">Whether a catch-all of the caller (not an async builder's) covers the call.</param>
internal sealed record CallSite(CompiledMethod Caller, int Offset, ILOpCode OpCode, string TargetType, string TargetName, MethodDefinitionHandle? Definition, bool InCatchAll)
{
    /// <summary>Gets a value indicating whether an exception thrown by the call is caught before it leaves the library.</summary>
    public bool IsGuarded => InCatchAll || Caller.GuardedByCallers;

    public override string ToString() => $"{Caller} IL_{Offset:X4} {OpCode.ToString().ToLowerInvariant()} {TargetType}::{TargetName}";
}
