using System.Text;

namespace ReferenceArchitectures.Testing.DocumentCorpus;

/// <summary>
/// Varied English prose for test documents, written for these tests: a fixed stock of sentences about an imaginary
/// harbour town, combined in an order fixed by a seed, so that large documents are not one sentence repeated.
/// </summary>
public static class Prose
{
    private static readonly string[] Sentences =
    [
        "The harbour master of Karrow opened the ledger at dawn and counted the boats that had come in overnight.",
        "Fog lay over the eastern quay until the bell of the customs house rang nine.",
        "Mara Ellison signed the lease for the old rope works on the fourth of March.",
        "The Karrow Fishing Cooperative paid 4,200 crowns for a new cold store beside the fish market.",
        "Two ferries run to Tallis Island in summer, and one in winter when the sea is rough.",
        "Children from the lighthouse school painted the sea wall in blue and white stripes.",
        "A storm in October tore the roof from the chandlery, and the repairs took six weeks.",
        "The town council agreed that the north pier would be closed to cars from the first of May.",
        "Old Jonas Pell still mends nets by hand in the shed behind the lifeboat station.",
        "Visitors come for the smoked mackerel, the cliff walk and the festival of lanterns in August.",
        "The tide tables printed by the harbour office are pinned to every door on Water Street.",
        "Nobody remembers who first planted the row of crooked pines along the coast road.",
        "Freight from the mainland arrives on Tuesdays and Fridays, weather permitting.",
        "The museum keeps a brass telescope that once belonged to a whaling captain.",
        "After the new breakwater was finished, the inner harbour stayed calm even in winter gales.",
        "Is the ferry running today? Only if the wind drops below force six!",
        "The bakery on Anchor Lane sells out of rye loaves before eight every morning.",
        "Dr. Ines Marlow treats patients at the small clinic above the post office.",
        "Rainfall last year was the highest since records began in 1911.",
        "The choir of St. Brendan's sings on the quay every Sunday evening in July.",
    ];

    /// <summary>Paragraphs of three to six sentences, about <paramref name="characters"/> characters in all.</summary>
    public static IReadOnlyList<string> Paragraphs(int characters, int seed = 1)
    {
        var random = new Random(seed);
        var paragraphs = new List<string>();
        var total = 0;
        while (total < characters)
        {
            var paragraph = new StringBuilder();
            var count = random.Next(3, 7);
            for (var i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    paragraph.Append(' ');
                }

                paragraph.Append(Sentences[random.Next(Sentences.Length)]);
            }

            paragraphs.Add(paragraph.ToString());
            total += paragraph.Length + 2;
        }

        return paragraphs;
    }

    public static string Text(int characters, int seed = 1) => string.Join("\n\n", Paragraphs(characters, seed));

    /// <summary>Breaks a paragraph into lines of at most <paramref name="width"/> characters, between words.</summary>
    public static IEnumerable<string> Wrap(string paragraph, int width)
    {
        var line = new StringBuilder();
        foreach (var word in paragraph.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0)
        {
            yield return line.ToString();
        }
    }

    /// <summary>Collapses every run of whitespace to one space, so that text can be compared across line wrapping.</summary>
    public static string Flatten(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
