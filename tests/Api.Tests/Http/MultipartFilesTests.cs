using System.Net.Http.Headers;
using System.Text;
using Autoencoder.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Autoencoder.Api.Tests.Http;

/// <summary>
/// The in-place reader of forms' files must give exactly what ASP.NET Core's form reader gives for every form it reads,
/// read the forms clients send, and leave every other form to the form reader.
/// </summary>
public class MultipartFilesTests
{
    private static readonly FormOptions Options = new() { ValueCountLimit = 8 };

    private static readonly byte[] Png = Digits.Png(0);

    public static TheoryData<string, string, byte[]> FormsClientsSend()
    {
        var data = new TheoryData<string, string, byte[]>();
        foreach (var (name, type, body) in ClientForms())
        {
            data.Add(name, type, body);
        }

        return data;
    }

    public static TheoryData<string, string, byte[]> FormsLeftToTheFormReader() => new()
    {
        { "a text field besides the file", "multipart/form-data; boundary=b", Body("b", File("image", "a.png"), "Content-Disposition: form-data; name=\"steps\"\r\n\r\n3\r\n") },
        { "a preamble", "multipart/form-data; boundary=b", [.. "preamble\r\n"u8, .. Body("b", File("image", "a.png"))] },
        { "an empty file name", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"image\"; filename=\"\"\r\n\r\nxx\r\n") },
        { "an encoded-word name", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"=?utf-8?B?aW1hZ2U=?=\"; filename=\"a.png\"\r\n\r\nxx\r\n") },
        { "a file name encoded in another charset", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=image; filename=\"=?utf-7?B?YS5wbmc=?=\"; filename*=utf-8''a.png\r\n\r\nxx\r\n") },
        { "an escape in a quoted name", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"im\\\"age\"; filename=\"a.png\"\r\n\r\nxx\r\n") },
        { "another header", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Transfer-Encoding: binary\r\n\r\nxx\r\n") },
        { "two Content-Disposition headers", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Disposition: form-data; name=\"x\"; filename=\"b.png\"\r\n\r\nxx\r\n") },
        { "another parameter", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"; size=2\r\n\r\nxx\r\n") },
        { "a language in filename*", "multipart/form-data; boundary=b", Body("b", "Content-Disposition: form-data; name=image; filename=a.png; filename*=utf-8'en'a.png\r\n\r\nxx\r\n") },
        { "lines ended by LF alone", "multipart/form-data; boundary=b", Encoding.ASCII.GetBytes("--b\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\n\nxx\n--b--\n") },
        { "no closing boundary", "multipart/form-data; boundary=b", Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\nxx") },
        { "a boundary other than the Content-Type's", "multipart/form-data; boundary=wrong", Body("b", File("image", "a.png")) },
        { "a charset after the boundary", "multipart/form-data; boundary=b; charset=utf-8", Body("b", File("image", "a.png")) },
        { "no boundary", "multipart/form-data", Body("b", File("image", "a.png")) },
        { "a boundary over the limit", $"multipart/form-data; boundary={new string('b', Options.MultipartBoundaryLengthLimit + 1)}", Body(new string('b', Options.MultipartBoundaryLengthLimit + 1), File("image", "a.png")) },
        { "more parts than the value count limit", "multipart/form-data; boundary=b", Body("b", [.. Enumerable.Range(0, 8).Select(i => File($"f{i}", "a.png"))]) },
        { "url-encoded", "application/x-www-form-urlencoded", "image=xx"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(FormsClientsSend))]
    public async Task AFormAClientSendsIsReadInPlaceAsTheFormReaderReadsIt(string client, string contentType, byte[] body)
    {
        var files = MultipartFiles.TryRead(contentType, body, Options);

        Assert.True(files is not null, $"{client}: left to the form reader");
        await AssertAsTheFormReaderAsync(contentType, body, files);
    }

    [Theory]
    [MemberData(nameof(FormsLeftToTheFormReader))]
    public void AnyOtherFormIsLeftToTheFormReader(string form, string contentType, byte[] body) =>
        Assert.True(MultipartFiles.TryRead(contentType, body, Options) is null, $"{form}: read in place");

    [Fact]
    public async Task WhateverIsReadInPlaceOfAChangedFormIsWhatTheFormReaderReads()
    {
        // Forms (and their Content-Types) changed a byte at a time where parsers go wrong: whatever the in-place reader
        // still reads, the form reader must read alike, and not refuse.
        var random = new Random(20261207);
        var read = 0;
        var forms = ClientForms().ToArray();
        for (var i = 0; i < 4000; i++)
        {
            var (_, sentType, sentBody) = forms[random.Next(forms.Length)];
            var contentType = sentType;
            var body = sentBody.ToList();
            if (random.Next(4) == 0)
            {
                // A quarter of the forms keep their bytes and have their Content-Type changed.
                const string characters = "é\";= \\bB-";
                var typed = contentType.ToCharArray().ToList();
                var at = random.Next(typed.Count);
                var character = characters[random.Next(characters.Length)];
                switch (random.Next(3))
                {
                    case 0: typed[at] = character; break;
                    case 1: typed.Insert(at, character); break;
                    default: typed.RemoveAt(at); break;
                }

                contentType = new string([.. typed]);
            }
            else
            {
                ChangeBytes(body, random);
            }

            var files = MultipartFiles.TryRead(contentType, body.ToArray(), Options);
            if (files is not null)
            {
                read++;
                await AssertAsTheFormReaderAsync(contentType, [.. body], files);
            }
        }

        // Many changes leave a form both read alike: the comparison ran on many.
        Assert.InRange(read, 500, 4000);
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=b", "b")]
    [InlineData("Multipart/Form-Data;boundary=\"----WebKitFormBoundaryx7\"", "----WebKitFormBoundaryx7")]
    [InlineData("multipart/form-data ; BOUNDARY=a'b", "a'b")]
    [InlineData("multipart/form-data; boundary=\"a b\"", "a b")]
    [InlineData("multipart/form-data; boundary=\"a\\\"b\"", null)]
    [InlineData("multipart/form-data; boundary=\"é\"", null)]
    [InlineData("multipart/form-data; boundary=", null)]
    [InlineData("multipart/form-data; boundary=a b", null)]
    [InlineData("multipart/mixed; boundary=b", null)]
    [InlineData(null, null)]
    public void TheBoundaryIsReadOnlyFromAPlainContentType(string? contentType, string? boundary) =>
        Assert.Equal(boundary, MultipartFiles.Boundary(contentType, 70));

    /// <summary>One to three bytes changed, inserted or removed, half of them among the first 200 (the headers).</summary>
    private static void ChangeBytes(List<byte> body, Random random)
    {
        byte[] tricky = [.. "\r\n-\";= \\*'%:\t"u8, (byte)'b', 0, 0xc3];
        for (var change = random.Next(1, 4); change > 0; change--)
        {
            var at = random.Next(2) == 0 ? random.Next(Math.Min(body.Count, 200)) : random.Next(body.Count);
            var value = random.Next(3) == 0 ? (byte)random.Next(256) : tricky[random.Next(tricky.Length)];
            switch (random.Next(3))
            {
                case 0: body[at] = value; break;
                case 1: body.Insert(at, value); break;
                default: body.RemoveAt(at); break;
            }
        }
    }

    private static IEnumerable<(string Client, string ContentType, byte[] Body)> ClientForms()
    {
        yield return ("curl -F", "multipart/form-data; boundary=------------------------d74496d66958873e",
            Body("------------------------d74496d66958873e", File("image", "digit.png")));
        yield return ("Chromium's FormData", "multipart/form-data; boundary=----WebKitFormBoundaryePkpFF7tjBAqx29L",
            Body("----WebKitFormBoundaryePkpFF7tjBAqx29L", File("image", "digit 7.png")));
        yield return ("two files, as /interpolate takes them", "multipart/form-data; boundary=x",
            Body("x", File("first", "a.png"), File("second", "b.png")));
        yield return ("an empty file", "multipart/form-data; boundary=x",
            Body("x", "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n\r\n"));
        yield return ("a file holding its boundary after other bytes", "multipart/form-data; boundary=x",
            Body("x", "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nab--x\r\n-x\r\n"));
        yield return ("no Content-Type", "multipart/form-data; boundary=x",
            Body("x", "Content-Disposition: form-data; name=image; filename=a.png\r\n\r\nxx\r\n"));
        foreach (var fields in new[] { new[] { "image" }, ["first", "second"] })
        {
            using var form = new MultipartFormDataContent();
            foreach (var field in fields)
            {
                var file = new ByteArrayContent(Png);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                form.Add(file, field, $"{field}é.png");
            }

            yield return ($"HttpClient, {fields.Length} file(s)", form.Headers.ContentType!.ToString(), form.ReadAsByteArrayAsync().GetAwaiter().GetResult());
        }
    }

    private static string File(string field, string fileName) =>
        $"Content-Disposition: form-data; name=\"{field}\"; filename=\"{fileName}\"\r\nContent-Type: image/png\r\n\r\n{Encoding.Latin1.GetString(Png)}\r\n";

    private static byte[] Body(string boundary, params string[] parts) =>
        Encoding.Latin1.GetBytes(string.Concat(parts.Select(part => $"--{boundary}\r\n{part}")) + $"--{boundary}--\r\n");

    private static async Task AssertAsTheFormReaderAsync(string contentType, byte[] body, FormFileCollection? files)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(new NoResponse());
        context.Request.ContentType = contentType;
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body);
        var form = await new FormFeature(context.Request, Options).ReadFormAsync(CancellationToken.None);

        Assert.NotNull(files);
        Assert.Empty(form.Keys);
        Assert.Equal(form.Files.Count, files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var (expected, actual) = (form.Files[i], files[i]);
            Assert.Equal(expected.Name, actual.Name);
            Assert.Equal(expected.FileName, actual.FileName);
            Assert.Equal(expected.ContentType, actual.ContentType);
            Assert.Equal(expected.ContentDisposition, actual.ContentDisposition);
            Assert.Equal(await BytesAsync(expected), await BytesAsync(actual));
        }
    }

    private static async Task<byte[]> BytesAsync(IFormFile file)
    {
        using var copy = new MemoryStream();
        await file.CopyToAsync(copy);
        Assert.Equal(file.Length, copy.Length);
        return copy.ToArray();
    }

    private sealed class NoResponse : HttpResponseFeature
    {
        public override void OnStarting(Func<object, Task> callback, object state)
        {
        }

        public override void OnCompleted(Func<object, Task> callback, object state)
        {
        }
    }
}
