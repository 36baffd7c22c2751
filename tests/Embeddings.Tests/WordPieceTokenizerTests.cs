namespace ReferenceArchitectures.Embeddings.Tests;

[Collection(SharedModel.Name)]
public sealed class WordPieceTokenizerTests(ModelFixture model)
{
    private const int MaxTokens = 256;

    private int[] Ids(string text) => model.Tokenizer.Tokenize(text, MaxTokens).Ids;

    private int[] Expected(params string[] tokens) => [model.Id("[CLS]"), .. tokens.Select(model.Id), model.Id("[SEP]")];

    [Fact]
    public void Hello_world_gives_the_bert_uncased_ids()
    {
        Assert.Equal([101, 7592, 2088, 102], Ids("hello world"));
    }

    [Fact]
    public void Special_token_ids_come_from_the_vocabulary()
    {
        Assert.Equal((model.Id("[CLS]"), model.Id("[SEP]"), model.Id("[UNK]"), model.Id("[PAD]")),
            (model.Tokenizer.ClassId, model.Tokenizer.SeparatorId, model.Tokenizer.UnknownId, model.Tokenizer.PaddingId));
    }

    [Fact]
    public void Text_is_lower_cased_and_split_on_punctuation()
    {
        Assert.Equal(Expected("hello", ",", "world", "!"), Ids("Hello, WORLD!"));
    }

    [Fact]
    public void Non_alphanumeric_ascii_counts_as_punctuation()
    {
        Assert.Equal(Expected("$", "5", "^", "2"), Ids("$5^2"));
    }

    [Fact]
    public void Unknown_words_are_split_into_longest_matching_pieces()
    {
        Assert.Equal(Expected("una", "##ffa", "##ble"), Ids("unaffable"));
    }

    [Fact]
    public void Accents_are_stripped()
    {
        Assert.Equal(Ids("creme brulee a la francaise"), Ids("Crème brûlée à la Française"));
    }

    [Fact]
    public void Accent_stripping_needs_no_globalization_support()
    {
        Assert.Equal(Ids("a e i o u n c"), Ids("\u00C5 \u1EBF \u00EF \u01D2 \u00FC \u00F1 \u00E7"));
    }

    [Fact]
    public void Cjk_ideographs_are_words_of_their_own()
    {
        Assert.Equal(Expected("中", "文"), Ids("中文"));
    }

    [Fact]
    public void Control_characters_are_removed_and_unusual_whitespace_splits()
    {
        Assert.Equal(Ids("hello world"), Ids("hel\u0000lo\u00A0\u200Bworld\t"));
    }

    [Fact]
    public void A_word_over_one_hundred_characters_is_unknown()
    {
        Assert.Equal(Expected("[UNK]"), Ids(new string('a', 101)));
    }

    [Fact]
    public void A_word_no_pieces_can_cover_is_one_unknown_token()
    {
        Assert.DoesNotContain("\uA66E", model.Vocabulary);
        Assert.Equal(Expected("hello", "[UNK]"), Ids("hello ab\uA66Ecd"));
    }

    [Fact]
    public void Empty_and_whitespace_texts_are_only_the_special_tokens()
    {
        Assert.Equal(Expected(), Ids(" \t\n"));
    }

    [Fact]
    public void A_text_over_the_limit_is_truncated_to_it_and_flagged()
    {
        var tokenized = model.Tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("hello", 1000)), MaxTokens);

        Assert.True(tokenized.Truncated);
        Assert.Equal(MaxTokens, tokenized.Length);
        Assert.Equal(model.Tokenizer.SeparatorId, tokenized.Ids[^1]);
    }

    [Fact]
    public void A_text_that_exactly_fills_the_limit_is_not_flagged()
    {
        var tokenized = model.Tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("hello", MaxTokens - 2)), MaxTokens);

        Assert.False(tokenized.Truncated);
        Assert.Equal(MaxTokens, tokenized.Length);
    }

    [Fact]
    public void Truncation_cuts_inside_a_word_split_into_pieces()
    {
        var tokenized = model.Tokenizer.Tokenize(string.Join(' ', Enumerable.Repeat("hello", MaxTokens - 4)) + " unaffable", MaxTokens);

        Assert.True(tokenized.Truncated);
        Assert.Equal([model.Id("una"), model.Id("##ffa"), model.Tokenizer.SeparatorId], tokenized.Ids[^3..]);
    }

    [Fact]
    public void A_vocabulary_without_special_tokens_is_rejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => WordPieceTokenizer.FromVocabulary("hello\nworld\n"));

        Assert.Contains("[UNK]", error.Message, StringComparison.Ordinal);
    }
}
