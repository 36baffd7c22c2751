using System.Globalization;
using Constructs;

namespace ReferenceArchitectures.Cdk.Configuration;

/// <summary>
/// Reads typed values from CDK context. Values from <c>-c key=value</c> arrive as strings and values
/// from cdk.json keep their JSON type, so every reader accepts both. The readers check types only (a whole number, a
/// number, one of some names); every bound is the props' own <c>Validate</c>'s, whose errors <see cref="Validated{T}"/>
/// reports under the setting's key, so a C# caller and a cdk.json value meet the same rule.
/// </summary>
public sealed class ContextReader
{
    private readonly Node node;
    private readonly string prefix;

    public ContextReader(Node node, string prefix)
    {
        ArgumentNullException.ThrowIfNull(node);
        this.node = node;
        this.prefix = prefix;
    }

    /// <summary>The full context key for a setting name, e.g. <c>lambdaBedrock:memorySizeMb</c>.</summary>
    public string Key(string name) => prefix + name;

    /// <summary>
    /// Runs the props' own validation and reports a failure as a <see cref="ContextSettingException"/> that names the
    /// setting to change: the failing property's name in camel case, unless <paramref name="settingNames"/> maps it to
    /// another key (rules that span settings name the one to change).
    /// </summary>
    public T Validated<T>(T props, Action validate, IReadOnlyDictionary<string, string>? settingNames = null)
    {
        ArgumentNullException.ThrowIfNull(validate);
        try
        {
            validate();
        }
        catch (ArgumentException error)
        {
            throw new ContextSettingException(Key(SettingName(error.ParamName, settingNames)), error.Message);
        }

        return props;
    }

    private static string SettingName(string? propertyName, IReadOnlyDictionary<string, string>? settingNames) =>
        propertyName is null ? "*"
        : settingNames?.GetValueOrDefault(propertyName) ?? char.ToLowerInvariant(propertyName[0]) + propertyName[1..];

    public string? GetString(string name)
    {
        var value = node.TryGetContext(Key(name));
        return value switch
        {
            null => null,
            string text when string.IsNullOrWhiteSpace(text) => null,
            string text => text.Trim(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>A whole number. Its bounds are the props' to check (<see cref="Validated{T}"/>), not the reader's.</summary>
    public int? GetInt(string name) => (int?)GetWholeNumber(name, int.MinValue, int.MaxValue);

    /// <summary>A whole number too large for <see cref="GetInt"/>, such as a size in bytes.</summary>
    public long? GetLong(string name) => (long?)GetWholeNumber(name, long.MinValue, long.MaxValue);

    /// <summary>A finite number, with or without a fraction.</summary>
    public double? GetDouble(string name)
    {
        var text = GetString(name);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw new ContextSettingException(Key(name), $"'{text}' is not allowed; expected a number.");
        }

        return value;
    }

    // cdk.json numbers arrive as doubles and print as "1E+15" once large, so whole numbers are parsed as decimals
    // (exact up to 28 digits) and then checked to be whole and to fit the property's type.
    private decimal? GetWholeNumber(string name, decimal typeMinimum, decimal typeMaximum)
    {
        var text = GetString(name);
        if (text is null)
        {
            return null;
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value != decimal.Truncate(value))
        {
            throw new ContextSettingException(Key(name), $"'{text}' is not allowed; expected a whole number.");
        }

        if (value < typeMinimum || value > typeMaximum)
        {
            throw new ContextSettingException(Key(name), $"'{text}' is not allowed; expected a whole number from {typeMinimum} to {typeMaximum}.");
        }

        return value;
    }

    /// <summary>Reads one of a fixed set of names (case-insensitive) and maps it to its value.</summary>
    public T? GetChoice<T>(string name, IReadOnlyDictionary<string, T> choices)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(choices);
        var text = GetString(name);
        if (text is null)
        {
            return null;
        }

        foreach (var (choice, value) in choices)
        {
            if (string.Equals(choice, text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new ContextSettingException(
            Key(name), $"'{text}' is not allowed; expected one of: {string.Join(", ", choices.Keys)}.");
    }

    /// <summary>Reads a list given either as a JSON array (cdk.json) or as comma-separated text (<c>-c</c>).</summary>
    public IReadOnlyList<string>? GetList(string name)
    {
        var value = node.TryGetContext(Key(name));
        IEnumerable<string?> items = value switch
        {
            null => [],
            string text => text.Split(','),
            System.Collections.IEnumerable sequence => sequence.Cast<object?>().Select(item => Convert.ToString(item, CultureInfo.InvariantCulture)),
            _ => throw new ContextSettingException(Key(name), "expected a list of strings or comma-separated text."),
        };

        var list = items
            .Select(item => item?.Trim())
            .Where(item => !string.IsNullOrEmpty(item))
            .Select(item => item!)
            .ToList();
        return list.Count == 0 ? null : list;
    }
}
