// The analyzer's request messages in protobuf wire format, written straight from the resources: the
// same bytes google-protobuf writes for `AnalyzeRequest` and `AnalyzeStackRequest` (proto/pulumi/
// analyzer.proto, google/protobuf/struct.proto), without building a message object per value first.
// Map entries are sorted by key and strings are encoded as google-protobuf does, so the pack decodes
// exactly what it would decode from google-protobuf's own encoding.
import type {
  AnalyzerProviderResource,
  AnalyzerResource,
  AnalyzerResourceOptions,
  AnalyzerStackResource,
} from "./analyzer";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

/**
 * Where requests are written before they are copied out at their size: one buffer for every request
 * (writing is synchronous), so a request costs no allocation beyond its own bytes.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** A growing byte buffer with the writes protobuf messages need. */
class ProtobufWriter {
  private bytes = scratch;
  private position = 0;

  finish(): Buffer {
    const written = Buffer.from(this.bytes.subarray(0, this.position));
    // a stack's request may have grown the buffer; a much larger one is not kept
    if (this.bytes.length <= 1024 * 1024) scratch = this.bytes;
    return written;
  }

  private reserve(count: number): void {
    if (this.position + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.position + count) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.bytes.copy(grown, 0, 0, this.position);
    this.bytes = grown;
  }

  private varint(value: number): void {
    this.reserve(10);
    this.position = this.varintAt(this.position, value);
  }

  /** Writes `value` as a varint at `at`, in room already reserved; returns the offset after it. */
  private varintAt(at: number, value: number): number {
    while (value > 0x7f) {
      this.bytes[at++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[at++] = value;
    return at;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  bool(field: number, value: boolean): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value ? 1 : 0);
  }

  enumValue(field: number, value: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  double(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    this.reserve(8);
    if (Number.isNaN(value)) {
      // google-protobuf writes every NaN as this one bit pattern
      this.bytes.writeUInt32LE(0xffffffff, this.position);
      this.bytes.writeUInt32LE(0x7fffffff, this.position + 4);
    } else {
      this.bytes.writeDoubleLE(value, this.position);
    }
    this.position += 8;
  }

  string(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    if (value.length < 128 && this.ascii(value)) return;
    if (!SURROGATE.test(value)) {
      const length = Buffer.byteLength(value, "utf8");
      this.varint(length);
      this.reserve(length);
      this.position += this.bytes.write(value, this.position, length, "utf8");
      return;
    }
    const encoded = protobufUtf8(value);
    this.varint(encoded.length);
    this.reserve(encoded.length);
    this.bytes.set(encoded, this.position);
    this.position += encoded.length;
  }

  /** Writes the length and bytes of a short ASCII string (a one-byte length); false, writing nothing, for any other. */
  private ascii(value: string): boolean {
    const length = value.length;
    this.reserve(length + 1);
    const start = this.position;
    this.bytes[start] = length;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return false;
      this.bytes[start + 1 + i] = c;
    }
    this.position = start + 1 + length;
    return true;
  }

  /** Starts a length-delimited field; its content follows, then `end` with what this returned. */
  begin(field: number): number {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    // one byte for the length, moved along when the content needs more
    this.reserve(1);
    return this.position++;
  }

  end(start: number): void {
    const length = this.position - start - 1;
    const lengthBytes = varintSize(length);
    if (lengthBytes > 1) {
      this.reserve(lengthBytes - 1);
      this.bytes.copyWithin(start + lengthBytes, start + 1, this.position);
      this.position += lengthBytes - 1;
    }
    this.varintAt(start, length);
  }

  /** An empty length-delimited field. */
  empty(field: number): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(0);
  }
}

function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * UTF-8 as google-protobuf's writer produces it for strings with surrogates: a pair is one 4-byte
 * character, a lone low surrogate and a high one that ends the string are 3 bytes each, and a high
 * surrogate followed by anything but a low one is dropped.
 */
function protobufUtf8(value: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push((c >> 6) | 0xc0, (c & 0x3f) | 0x80);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const second = value.charCodeAt(i + 1);
      if (second >= 0xdc00 && second <= 0xdfff) {
        c = (c - 0xd800) * 0x400 + second - 0xdc00 + 0x10000;
        out.push((c >> 18) | 0xf0, ((c >> 12) & 0x3f) | 0x80, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
        i++;
      }
    } else {
      out.push((c >> 12) | 0xe0, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
    }
  }
  return Uint8Array.from(out);
}

// --- google.protobuf.Struct, as `Struct.fromJavaScript` builds it -----------------------------------------

/** `Value`: the kind of `value` decides the field, as `Value.fromJavaScript` decides it. */
function writeValue(writer: ProtobufWriter, value: unknown): void {
  if (typeof value === "string") writer.string(3, value);
  else if (typeof value === "number") writer.double(2, value);
  else if (typeof value === "boolean") writer.bool(4, value);
  else if (value === null) writer.enumValue(1, 0);
  else if (Array.isArray(value)) {
    const list = writer.begin(6);
    for (let i = 0; i < value.length; i++) {
      const element = writer.begin(1);
      writeValue(writer, value[i]);
      writer.end(element);
    }
    writer.end(list);
  } else if (typeof value === "object") {
    const struct = writer.begin(5);
    writeStruct(writer, value);
    writer.end(struct);
  } else throw new Error("Unexpected struct type.");
}

/** `Struct`'s fields: map entries in the order google-protobuf writes them, by key. */
function writeStruct(writer: ProtobufWriter, object: object): void {
  const record = object as Record<string, unknown>;
  const keys: string[] = [];
  for (const key in record) keys.push(key);
  keys.sort();
  for (const key of keys) {
    const entry = writer.begin(1);
    writer.string(1, key);
    const value = writer.begin(2);
    writeValue(writer, record[key]);
    writer.end(value);
    writer.end(entry);
  }
}

/** A Struct-valued field. */
function writeStructField(writer: ProtobufWriter, field: number, object: object): void {
  const struct = writer.begin(field);
  writeStruct(writer, object);
  writer.end(struct);
}

// --- pulumirpc messages -----------------------------------------------------------------------------------

function writeOptions(writer: ProtobufWriter, options: AnalyzerResourceOptions): void {
  const message = writer.begin(5);
  if (options.protect) writer.bool(1, true);
  for (const key of options.ignoreChanges ?? []) writer.string(2, key);
  if (options.deleteBeforeReplace) writer.bool(3, true);
  if (options.deleteBeforeReplace !== undefined) writer.bool(4, true);
  for (const output of options.additionalSecretOutputs ?? []) writer.string(5, output);
  for (const alias of options.aliases ?? []) writer.string(6, alias);
  writer.empty(7); // custom timeouts, all zero
  if (options.parent) writer.string(8, options.parent);
  writer.end(message);
}

function writeProvider(writer: ProtobufWriter, provider: AnalyzerProviderResource): void {
  const message = writer.begin(6);
  if (provider.type) writer.string(1, provider.type);
  writeStructField(writer, 2, provider.properties);
  if (provider.urn) writer.string(3, provider.urn);
  if (provider.name) writer.string(4, provider.name);
  writer.end(message);
}

/** The fields `AnalyzeRequest` and `AnalyzerResource` share (1 to 6). */
function writeResourceFields(writer: ProtobufWriter, resource: AnalyzerResource): void {
  if (resource.type) writer.string(1, resource.type);
  writeStructField(writer, 2, resource.properties);
  if (resource.urn) writer.string(3, resource.urn);
  if (resource.name) writer.string(4, resource.name);
  writeOptions(writer, resource.options);
  if (resource.provider) writeProvider(writer, resource.provider);
}

function writeStackResource(writer: ProtobufWriter, resource: AnalyzerStackResource): void {
  const message = writer.begin(1);
  writeResourceFields(writer, resource);
  if (resource.parent) writer.string(7, resource.parent);
  for (const dependency of resource.dependencies) writer.string(8, dependency);
  for (const key of Object.keys(resource.propertyDependencies).sort()) {
    const entry = writer.begin(9);
    writer.string(1, key);
    const dependencies = writer.begin(2);
    for (const urn of resource.propertyDependencies[key]!) writer.string(1, urn);
    writer.end(dependencies);
    writer.end(entry);
  }
  writer.end(message);
}

/** `AnalyzeRequest` (also what `Remediate` takes). */
export function encodeAnalyzeRequest(resource: AnalyzerResource): Buffer {
  const writer = new ProtobufWriter();
  writeResourceFields(writer, resource);
  return writer.finish();
}

/** `AnalyzeStackRequest`. */
export function encodeAnalyzeStackRequest(resources: Iterable<AnalyzerStackResource>): Buffer {
  const writer = new ProtobufWriter();
  for (const resource of resources) writeStackResource(writer, resource);
  return writer.finish();
}
