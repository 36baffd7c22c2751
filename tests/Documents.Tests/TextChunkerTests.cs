using ReferenceArchitectures.Testing.DocumentCorpus;

namespace ReferenceArchitectures.Documents.Tests;

public class TextChunkerTests
{
    public static TheoryData<int, int, int> Cases => new()
    {
        // text characters, max characters, overlap
        { 50_000, 2_000, 0 },
        { 50_000, 2_000, 300 },
        { 10_000, 500, 100 },
        { 3_000, 80, 39 },
        { 1_000, 2, 0 },
        { 100, 1_000, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Chunks_cover_every_character_in_order_and_hold_exactly_their_slice(int characters, int max, int overlap)
    {
        var text = Prose.Text(characters, seed: characters + max);

        var chunks = TextChunker.Split(text, new ChunkingOptions(max, overlap));

        Assert.Equal(0, chunks[0].Start);
        Assert.Equal(text.Length, chunks[^1].End);
        for (var i = 0; i < chunks.Count; i++)
        {
            Assert.Equal(i, chunks[i].Index);
            Assert.Equal(text.Substring(chunks[i].Start, chunks[i].Length), chunks[i].Text);
            if (i > 0)
            {
                Assert.True(chunks[i].Start > chunks[i - 1].Start, $"Chunk {i} does not move forward.");
                Assert.True(chunks[i].Start <= chunks[i - 1].End, $"A gap before chunk {i}.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void No_chunk_is_longer_than_the_limit(int characters, int max, int overlap)
    {
        var chunks = TextChunker.Split(Prose.Text(characters), new ChunkingOptions(max, overlap));

        Assert.All(chunks, c => Assert.InRange(c.Length, 1, max));
    }

    [Fact]
    public void The_same_text_and_options_give_the_same_chunks()
    {
        var text = Prose.Text(30_000, seed: 3);
        var options = new ChunkingOptions(1_500, 200);

        Assert.Equal(TextChunker.Split(text, options), TextChunker.Split(text, options));
    }

    [Fact]
    public void Without_overlap_chunks_meet_end_to_start_and_join_back_into_the_text()
    {
        var text = Prose.Text(20_000);

        var chunks = TextChunker.Split(text, new ChunkingOptions(1_000));

        Assert.Equal(text, string.Concat(chunks.Select(c => c.Text)));
    }

    [Fact]
    public void A_chunk_ends_after_a_paragraph_when_one_is_in_reach()
    {
        var text = new string('a', 60) + ".\n\n" + new string('b', 60) + " " + new string('c', 60);

        var chunks = TextChunker.Split(text, new ChunkingOptions(100));

        Assert.Equal(63, chunks[0].Length);
        Assert.EndsWith(".\n\n", chunks[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chunk_ends_after_a_sentence_rather_than_between_words()
    {
        var text = "The quay was quiet. The ferry left at nine and came back at noon with crates.";

        var chunks = TextChunker.Split(text, new ChunkingOptions(30));

        Assert.Equal("The quay was quiet. ", chunks[0].Text);
    }

    [Fact]
    public void A_chunk_ends_between_words_when_no_sentence_ends_in_reach()
    {
        var text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda";

        var chunks = TextChunker.Split(text, new ChunkingOptions(20));

        Assert.All(chunks.SkipLast(1), c => Assert.EndsWith(" ", c.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void A_long_word_is_cut_at_the_limit_but_never_inside_a_surrogate_pair()
    {
        var text = string.Concat(Enumerable.Repeat("\U0001F30A", 50));

        var chunks = TextChunker.Split(text, new ChunkingOptions(7));

        Assert.All(chunks, c => Assert.False(char.IsLowSurrogate(c.Text[0]) || char.IsHighSurrogate(c.Text[^1])));
        Assert.Equal(text, string.Concat(chunks.Select(c => c.Text)));
    }

    [Fact]
    public void Overlapping_chunks_repeat_the_end_of_the_previous_chunk_starting_at_a_word()
    {
        var text = Prose.Text(10_000);

        var chunks = TextChunker.Split(text, new ChunkingOptions(1_000, 150));

        foreach (var (previous, next) in chunks.Zip(chunks.Skip(1)))
        {
            Assert.InRange(previous.End - next.Start, 1, 150);
            Assert.True(char.IsWhiteSpace(text[next.Start - 1]), $"Chunk {next.Index} starts inside a word.");
        }
    }

    [Fact]
    public void Empty_text_has_no_chunks()
    {
        Assert.Empty(TextChunker.Split("", new ChunkingOptions(10)));
    }

    [Theory]
    [InlineData(1, 0, "MaxCharacters")]
    [InlineData(100, 50, "OverlapCharacters")]
    [InlineData(100, -1, "OverlapCharacters")]
    public void Options_that_could_not_make_progress_are_refused_by_name(int max, int overlap, string setting)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TextChunker.Split("text", new ChunkingOptions(max, overlap)));

        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void Token_sizes_become_four_characters_each()
    {
        Assert.Equal(new ChunkingOptions(4_000, 400), ChunkingOptions.FromTokens(1_000, 100));
    }
}
