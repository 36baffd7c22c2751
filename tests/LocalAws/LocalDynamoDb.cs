using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReferenceArchitectures.Testing.LocalAws;

/// <summary>
/// DynamoDB over JSON 1.0 (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/): PutItem, UpdateItem, GetItem,
/// DeleteItem and Scan on tables with a string partition key. Condition and filter expressions support comparisons,
/// <c>attribute_exists</c>/<c>attribute_not_exists</c>, AND/OR/NOT and parentheses; update expressions support SET
/// (values, <c>if_not_exists</c>, <c>a + :n</c>, <c>a - :n</c>) and REMOVE on top-level attributes. Items are kept as
/// attribute-value JSON (<c>{"S": "..."}</c>, <c>{"N": "..."}</c>, ...).
/// </summary>
public sealed class LocalDynamoDb
{
    internal const string TargetPrefix = "DynamoDB_20120810.";
    private const string ErrorPrefix = "com.amazonaws.dynamodb.v20120810#";
    private readonly ConcurrentDictionary<string, Table> _tables = new(StringComparer.Ordinal);

    public void CreateTable(string name, string partitionKey = "pk") => _tables.TryAdd(name, new Table(partitionKey));

    /// <summary>Every item of the table as attribute-value JSON, in key order.</summary>
    public IReadOnlyList<JsonObject> Items(string table) =>
        _tables.TryGetValue(table, out var found) ? found.Snapshot() : [];

    /// <summary>The item with this partition key, or null.</summary>
    public JsonObject? GetItem(string table, string partitionKeyValue) =>
        _tables.TryGetValue(table, out var found) ? found.Get(partitionKeyValue)?.DeepClone().AsObject() : null;

    internal static ServiceResponse FaultResponse(LocalFault fault) => fault switch
    {
        LocalFault.Throttling => Error(400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded."),
        _ => Error(500, "InternalServerError", "Internal server error"),
    };

    internal async Task<ServiceResponse> HandleAsync(string operation, Stream body, CancellationToken cancellationToken)
    {
        JsonObject request;
        try
        {
            request = (await JsonNode.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false))?.AsObject()
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return Error(400, "SerializationException", $"The request body is not valid JSON: {error.Message}");
        }

        try
        {
            var tableName = (string?)request["TableName"] ?? throw new DynamoDbError("ValidationException", "TableName is required.");
            if (!_tables.TryGetValue(tableName, out var table))
            {
                throw new DynamoDbError("ResourceNotFoundException", $"Requested resource not found: Table: {tableName} not found");
            }

            RequireEveryPlaceholderUsed(request);
            var expression = new ExpressionContext(request["ExpressionAttributeNames"]?.AsObject(), request["ExpressionAttributeValues"]?.AsObject());
            var result = operation switch
            {
                "PutItem" => table.Put(request, expression),
                "UpdateItem" => table.Update(request, expression),
                "GetItem" => table.GetForRequest(request),
                "DeleteItem" => table.Delete(request, expression),
                "Scan" => table.Scan(request, expression),
                _ => throw new DynamoDbError("UnknownOperationException", $"The local DynamoDB endpoint does not implement {operation}."),
            };
            return new ServiceResponse(200, "application/x-amz-json-1.0", Encoding.UTF8.GetBytes(result.ToJsonString()), ServiceResponse.NoHeaders);
        }
        catch (DynamoDbError error)
        {
            return Error(400, error.Code, error.Message, error.Item);
        }
    }

    /// <summary>
    /// DynamoDB refuses a request whose ExpressionAttributeValues or ExpressionAttributeNames hold a placeholder that none
    /// of its expressions uses (ValidationException "Value provided in ExpressionAttributeValues unused in expressions:
    /// keys: {:x}"). Found by running the ledger's tests on dynalite, which implements the rule, as DynamoDB does.
    /// </summary>
    private static void RequireEveryPlaceholderUsed(JsonObject request)
    {
        string[] expressions = ["ConditionExpression", "UpdateExpression", "FilterExpression", "ProjectionExpression", "KeyConditionExpression"];
        var used = expressions.Select(name => (string?)request[name]).OfType<string>().SelectMany(ExpressionTokens.Split).ToHashSet(StringComparer.Ordinal);
        foreach (var field in (string[])["ExpressionAttributeValues", "ExpressionAttributeNames"])
        {
            var unused = (request[field] as JsonObject)?.Select(entry => entry.Key).Where(key => !used.Contains(key)).ToList();
            if (unused is { Count: > 0 })
            {
                throw new DynamoDbError("ValidationException", $"Value provided in {field} unused in expressions: keys: {{{string.Join(", ", unused)}}}");
            }
        }
    }

    private static ServiceResponse Error(int status, string code, string message, JsonObject? item = null)
    {
        var body = new JsonObject { ["__type"] = ErrorPrefix + code, ["message"] = message };
        if (item is not null)
        {
            body["Item"] = item.DeepClone();
        }

        return new ServiceResponse(status, "application/x-amz-json-1.0", Encoding.UTF8.GetBytes(body.ToJsonString()), ServiceResponse.NoHeaders, code);
    }

    private sealed class Table(string partitionKey)
    {
        private readonly Lock _lock = new();
        private readonly SortedDictionary<string, JsonObject> _items = new(StringComparer.Ordinal);

        public IReadOnlyList<JsonObject> Snapshot()
        {
            lock (_lock)
            {
                return [.. _items.Values.Select(item => item.DeepClone().AsObject())];
            }
        }

        public JsonObject? Get(string key)
        {
            lock (_lock)
            {
                return _items.GetValueOrDefault(key);
            }
        }

        public JsonObject Put(JsonObject request, ExpressionContext expression)
        {
            var item = request["Item"]?.AsObject() ?? throw new DynamoDbError("ValidationException", "Item is required.");
            var key = KeyOf(item);
            lock (_lock)
            {
                var existing = _items.GetValueOrDefault(key);
                CheckCondition(request, expression, existing);
                _items[key] = item.DeepClone().AsObject();
                return ReturnValues(request, existing, null);
            }
        }

        public JsonObject Update(JsonObject request, ExpressionContext expression)
        {
            var keyItem = request["Key"]?.AsObject() ?? throw new DynamoDbError("ValidationException", "Key is required.");
            var key = KeyOf(keyItem);
            var update = (string?)request["UpdateExpression"] ?? throw new DynamoDbError("ValidationException", "UpdateExpression is required (AttributeUpdates is not supported).");
            lock (_lock)
            {
                var existing = _items.GetValueOrDefault(key);
                CheckCondition(request, expression, existing);
                var updated = existing?.DeepClone().AsObject() ?? keyItem.DeepClone().AsObject();
                UpdateExpression.Apply(update, updated, expression);
                if (!updated.ContainsKey(partitionKey))
                {
                    throw new DynamoDbError("ValidationException", "Cannot remove the partition key.");
                }

                _items[key] = updated;
                return ReturnValues(request, existing, updated);
            }
        }

        public JsonObject GetForRequest(JsonObject request)
        {
            var keyItem = request["Key"]?.AsObject() ?? throw new DynamoDbError("ValidationException", "Key is required.");
            var item = Get(KeyOf(keyItem));
            return item is null ? [] : new JsonObject { ["Item"] = item.DeepClone() };
        }

        public JsonObject Delete(JsonObject request, ExpressionContext expression)
        {
            var keyItem = request["Key"]?.AsObject() ?? throw new DynamoDbError("ValidationException", "Key is required.");
            var key = KeyOf(keyItem);
            lock (_lock)
            {
                var existing = _items.GetValueOrDefault(key);
                CheckCondition(request, expression, existing);
                _items.Remove(key);
                return ReturnValues(request, existing, null);
            }
        }

        public JsonObject Scan(JsonObject request, ExpressionContext expression)
        {
            var filter = (string?)request["FilterExpression"];
            var all = Snapshot();
            var matching = filter is null ? all : all.Where(item => ConditionExpression.Evaluate(filter, item, expression)).ToList();
            return new JsonObject
            {
                ["Items"] = new JsonArray([.. matching.Select(item => (JsonNode)item)]),
                ["Count"] = matching.Count,
                ["ScannedCount"] = all.Count,
            };
        }

        private static void CheckCondition(JsonObject request, ExpressionContext expression, JsonObject? existing)
        {
            if ((string?)request["ConditionExpression"] is { } condition
                && !ConditionExpression.Evaluate(condition, existing ?? [], expression))
            {
                var returnOld = (string?)request["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD";
                throw new DynamoDbError("ConditionalCheckFailedException", "The conditional request failed", returnOld ? existing : null);
            }
        }

        private static JsonObject ReturnValues(JsonObject request, JsonObject? before, JsonObject? after) =>
            (string?)request["ReturnValues"] switch
            {
                "ALL_OLD" when before is not null => new JsonObject { ["Attributes"] = before.DeepClone() },
                "ALL_NEW" or "UPDATED_NEW" when after is not null => new JsonObject { ["Attributes"] = after.DeepClone() },
                null or "NONE" or "ALL_OLD" => [],
                var other => throw new DynamoDbError("ValidationException", $"ReturnValues {other} is not supported by the local endpoint."),
            };

        private string KeyOf(JsonObject item) =>
            item[partitionKey]?["S"]?.GetValue<string>() is { Length: > 0 } value
                ? value
                : throw new DynamoDbError("ValidationException", $"One or more parameter values were invalid: Missing the key {partitionKey} (a non-empty string) in the item");
    }
}

/// <summary>A DynamoDB error to answer with: its code (the part after '#' in <c>__type</c>) and message.</summary>
internal sealed class DynamoDbError : Exception
{
    public DynamoDbError()
    {
        Code = "InternalServerError";
    }

    public DynamoDbError(string message)
        : base(message)
    {
        Code = "ValidationException";
    }

    public DynamoDbError(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "ValidationException";
    }

    public DynamoDbError(string code, string message, JsonObject? item = null)
        : base(message)
    {
        Code = code;
        Item = item;
    }

    public string Code { get; }

    /// <summary>The existing item, returned with a failed condition when the caller asked for it.</summary>
    public JsonObject? Item { get; }
}

/// <summary>The name and value placeholders (<c>#name</c>, <c>:value</c>) of one request.</summary>
internal sealed class ExpressionContext(JsonObject? names, JsonObject? values)
{
    public string Name(string token) =>
        token.StartsWith('#')
            ? (string?)names?[token] ?? throw new DynamoDbError("ValidationException", $"Value provided in ExpressionAttributeNames unused or missing: {token}")
            : token;

    public JsonNode Value(string token) =>
        values?[token]?.DeepClone() ?? throw new DynamoDbError("ValidationException", $"An expression attribute value used in expression is not defined; attribute value: {token}");
}

/// <summary>Tokens of DynamoDB expressions: names, placeholders, operators, parentheses and commas.</summary>
internal static class ExpressionTokens
{
    public static List<string> Split(string expression)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or ',' or '=' or '+' or '-')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c is '<' or '>')
            {
                var two = i + 1 < expression.Length && expression[i + 1] is '=' or '>' ? expression.Substring(i, 2) : c.ToString();
                tokens.Add(two);
                i += two.Length;
            }
            else
            {
                var start = i;
                while (i < expression.Length && (char.IsLetterOrDigit(expression[i]) || expression[i] is '_' or '#' or ':' or '.'))
                {
                    i++;
                }

                if (start == i)
                {
                    throw new DynamoDbError("ValidationException", $"Invalid expression: unexpected '{c}' in \"{expression}\"");
                }

                tokens.Add(expression[start..i]);
            }
        }

        return tokens;
    }
}

/// <summary>Evaluates condition and filter expressions against an item.</summary>
internal sealed class ConditionExpression
{
    private readonly List<string> _tokens;
    private readonly JsonObject _item;
    private readonly ExpressionContext _context;
    private readonly string _text;
    private int _position;

    private ConditionExpression(string text, JsonObject item, ExpressionContext context)
    {
        _text = text;
        _tokens = ExpressionTokens.Split(text);
        _item = item;
        _context = context;
    }

    public static bool Evaluate(string expression, JsonObject item, ExpressionContext context)
    {
        var parser = new ConditionExpression(expression, item, context);
        var result = parser.Or();
        if (parser._position != parser._tokens.Count)
        {
            throw parser.Invalid($"unexpected '{parser._tokens[parser._position]}'");
        }

        return result;
    }

    private bool Or()
    {
        var result = And();
        while (Accept("OR"))
        {
            result = And() | result;
        }

        return result;
    }

    private bool And()
    {
        var result = Not();
        while (Accept("AND"))
        {
            result = Not() & result;
        }

        return result;
    }

    private bool Not() => Accept("NOT") ? !Not() : Primary();

    private bool Primary()
    {
        if (Accept("("))
        {
            var inner = Or();
            Expect(")");
            return inner;
        }

        var token = Next();
        if (token is "attribute_exists" or "attribute_not_exists")
        {
            Expect("(");
            var name = _context.Name(Next());
            Expect(")");
            return _item.ContainsKey(name) == (token == "attribute_exists");
        }

        var left = Operand(token);
        var comparison = Next();
        var right = Operand(Next());
        var order = Compare(left, right);
        return comparison switch
        {
            "=" => order == 0,
            "<>" => order != 0,
            "<" => order is < 0 and not int.MinValue,
            "<=" => order is <= 0 and not int.MinValue,
            ">" => order is > 0 and not int.MaxValue,
            ">=" => order is >= 0 and not int.MaxValue,
            _ => throw Invalid($"'{comparison}' is not a supported comparison"),
        };
    }

    private JsonNode? Operand(string token) => token.StartsWith(':') ? _context.Value(token) : _item[_context.Name(token)];

    /// <summary>Orders two attribute values; a missing value or different types never compare equal (MinValue/MaxValue).</summary>
    private static int Compare(JsonNode? left, JsonNode? right)
    {
        if (left is not JsonObject a || right is not JsonObject b)
        {
            return int.MaxValue;
        }

        if (a["S"] is { } leftString && b["S"] is { } rightString)
        {
            return string.CompareOrdinal(leftString.GetValue<string>(), rightString.GetValue<string>());
        }

        if (a["N"] is { } leftNumber && b["N"] is { } rightNumber)
        {
            return decimal.Parse(leftNumber.GetValue<string>(), CultureInfo.InvariantCulture).CompareTo(decimal.Parse(rightNumber.GetValue<string>(), CultureInfo.InvariantCulture));
        }

        return JsonNode.DeepEquals(a, b) ? 0 : int.MaxValue;
    }

    private bool Accept(string token)
    {
        if (_position < _tokens.Count && string.Equals(_tokens[_position], token, StringComparison.OrdinalIgnoreCase))
        {
            _position++;
            return true;
        }

        return false;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
        {
            throw Invalid($"expected '{token}'");
        }
    }

    private string Next() => _position < _tokens.Count ? _tokens[_position++] : throw Invalid("the expression ends too early");

    private DynamoDbError Invalid(string what) =>
        new("ValidationException", $"Invalid ConditionExpression: {what} in \"{_text}\" (the local endpoint supports comparisons, attribute_exists, attribute_not_exists, AND, OR, NOT, parentheses)");
}

/// <summary>Applies SET and REMOVE clauses of an update expression to top-level attributes.</summary>
internal static class UpdateExpression
{
    public static void Apply(string expression, JsonObject item, ExpressionContext context)
    {
        var tokens = ExpressionTokens.Split(expression);
        var i = 0;
        while (i < tokens.Count)
        {
            var clause = tokens[i++].ToUpperInvariant();
            if (clause == "SET")
            {
                do
                {
                    var name = context.Name(Take(tokens, ref i, expression));
                    if (Take(tokens, ref i, expression) != "=")
                    {
                        throw Invalid(expression, "SET needs 'name = value'");
                    }

                    item[name] = Value(tokens, ref i, item, context, expression);
                }
                while (i < tokens.Count && tokens[i] == "," && ++i > 0);
            }
            else if (clause == "REMOVE")
            {
                do
                {
                    item.Remove(context.Name(Take(tokens, ref i, expression)));
                }
                while (i < tokens.Count && tokens[i] == "," && ++i > 0);
            }
            else
            {
                throw Invalid(expression, $"'{clause}' clauses are not supported; use SET and REMOVE");
            }
        }
    }

    private static JsonNode Value(List<string> tokens, ref int i, JsonObject item, ExpressionContext context, string expression)
    {
        var first = Operand(tokens, ref i, item, context, expression);
        if (i < tokens.Count && tokens[i] is "+" or "-")
        {
            var sign = tokens[i++];
            var second = Operand(tokens, ref i, item, context, expression);
            var a = Number(first, expression);
            var b = Number(second, expression);
            return new JsonObject { ["N"] = (sign == "+" ? a + b : a - b).ToString(CultureInfo.InvariantCulture) };
        }

        return first;
    }

    private static JsonNode Operand(List<string> tokens, ref int i, JsonObject item, ExpressionContext context, string expression)
    {
        var token = Take(tokens, ref i, expression);
        if (token == "if_not_exists")
        {
            Require(tokens, ref i, "(", expression);
            var name = context.Name(Take(tokens, ref i, expression));
            Require(tokens, ref i, ",", expression);
            var fallback = Operand(tokens, ref i, item, context, expression);
            Require(tokens, ref i, ")", expression);
            return item[name]?.DeepClone() ?? fallback;
        }

        return token.StartsWith(':')
            ? context.Value(token)
            : item[context.Name(token)]?.DeepClone() ?? throw Invalid(expression, $"the attribute '{token}' does not exist");
    }

    private static decimal Number(JsonNode value, string expression) =>
        value["N"]?.GetValue<string>() is { } text ? decimal.Parse(text, CultureInfo.InvariantCulture) : throw Invalid(expression, "+ and - need numbers");

    private static string Take(List<string> tokens, ref int i, string expression) =>
        i < tokens.Count ? tokens[i++] : throw Invalid(expression, "the expression ends too early");

    private static void Require(List<string> tokens, ref int i, string token, string expression)
    {
        if (Take(tokens, ref i, expression) != token)
        {
            throw Invalid(expression, $"expected '{token}'");
        }
    }

    private static DynamoDbError Invalid(string expression, string what) =>
        new("ValidationException", $"Invalid UpdateExpression: {what} in \"{expression}\"");
}
