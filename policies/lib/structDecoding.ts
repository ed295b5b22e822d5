// Every Analyze request carries a resource's properties as a google.protobuf.Struct, which
// google-protobuf decodes into a message object per value before @pulumi/policy's server turns it into
// plain JavaScript with `toJavaScript()`: most of the pack's work per request, and most of its garbage.
// Here a Struct the server receives keeps its bytes and `toJavaScript()` reads them straight into plain
// JavaScript, giving what google-protobuf gives. Anything but the plain encoding (keys in order and
// unique, one kind per value, valid UTF-8), which the offline plan writes and the Pulumi engine may not,
// is decoded by google-protobuf itself.
import { requireAsServerProtos } from "./serverModules";

interface BinaryReader {
  getCursor(): number;
  getBuffer(): Uint8Array;
  nextField(): boolean;
  isEndGroup(): boolean;
  skipField(): void;
}

interface StructMessage {
  toJavaScript(): Record<string, unknown>;
  getFieldsMap(noLazyCreate?: boolean): unknown;
}

interface StructClass {
  new (): StructMessage;
  deserializeBinaryFromReader(message: StructMessage, reader: BinaryReader): StructMessage;
}

interface Protobuf {
  BinaryReader: new (bytes: Uint8Array) => BinaryReader;
}

/** google-protobuf as the server's request classes use it. */
function serverProtobuf(): { Struct: StructClass; jspb: Protobuf } {
  return {
    Struct: (requireAsServerProtos("google-protobuf/google/protobuf/struct_pb") as { Struct: StructClass }).Struct,
    jspb: requireAsServerProtos("google-protobuf") as Protobuf,
  };
}

/** Thrown by the reader on anything but the plain encoding; google-protobuf then decodes the Struct. */
class NotPlainEncoding extends Error {}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;

/** Reads the plain encoding of a Struct into what `Struct.toJavaScript()` returns for it. */
class StructReader {
  private position = 0;
  private readonly buffer: Buffer;

  constructor(bytes: Uint8Array) {
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  struct(end = this.buffer.length): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    let previousKey: string | undefined;
    while (this.position < end) {
      this.expectTag(1, WIRE_LENGTH_DELIMITED);
      const entryEnd = this.lengthEnd(end);
      this.expectTag(1, WIRE_LENGTH_DELIMITED);
      const key = this.string(entryEnd);
      // google-protobuf orders a map's keys and keeps the last of equal ones: plain encoding needs neither
      if (previousKey !== undefined && !(previousKey < key)) throw new NotPlainEncoding();
      previousKey = key;
      this.expectTag(2, WIRE_LENGTH_DELIMITED);
      const valueEnd = this.lengthEnd(entryEnd);
      const value = this.value(valueEnd);
      if (this.position !== entryEnd) throw new NotPlainEncoding();
      // an assignment, as `toJavaScript` makes it
      result[key] = value;
    }
    if (this.position !== end) throw new NotPlainEncoding();
    return result;
  }

  private list(end: number): unknown[] {
    const result: unknown[] = [];
    while (this.position < end) {
      this.expectTag(1, WIRE_LENGTH_DELIMITED);
      result.push(this.value(this.lengthEnd(end)));
    }
    if (this.position !== end) throw new NotPlainEncoding();
    return result;
  }

  /** A Value with exactly one kind, ending at `end`. */
  private value(end: number): unknown {
    const tag = this.varint(end);
    let value: unknown;
    switch (tag) {
      case (1 << 3) | WIRE_VARINT:
        this.varint(end);
        value = null;
        break;
      case (2 << 3) | WIRE_FIXED64:
        if (this.position + 8 > end) throw new NotPlainEncoding();
        value = this.buffer.readDoubleLE(this.position);
        this.position += 8;
        break;
      case (3 << 3) | WIRE_LENGTH_DELIMITED:
        value = this.string(end);
        break;
      case (4 << 3) | WIRE_VARINT: {
        const flag = this.varint(end);
        if (flag > 1) throw new NotPlainEncoding();
        value = flag === 1;
        break;
      }
      case (5 << 3) | WIRE_LENGTH_DELIMITED:
        value = this.struct(this.lengthEnd(end));
        break;
      case (6 << 3) | WIRE_LENGTH_DELIMITED:
        value = this.list(this.lengthEnd(end));
        break;
      default:
        throw new NotPlainEncoding();
    }
    if (this.position !== end) throw new NotPlainEncoding();
    return value;
  }

  private string(end: number): string {
    const stringEnd = this.lengthEnd(end);
    const text = this.buffer.toString("utf8", this.position, stringEnd);
    // Invalid UTF-8 (a lone surrogate the engine encoded as google-protobuf does) decodes differently here.
    if (text.includes("\uFFFD")) throw new NotPlainEncoding();
    this.position = stringEnd;
    return text;
  }

  private expectTag(field: number, wireType: number): void {
    if (this.position >= this.buffer.length || this.buffer[this.position] !== ((field << 3) | wireType)) throw new NotPlainEncoding();
    this.position++;
  }

  /** Reads a length and returns where the field it announces ends, within `end`. */
  private lengthEnd(end: number): number {
    const length = this.varint(end);
    const fieldEnd = this.position + length;
    if (fieldEnd > end) throw new NotPlainEncoding();
    return fieldEnd;
  }

  private varint(end: number): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.position >= end) throw new NotPlainEncoding();
      const byte = this.buffer[this.position++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new NotPlainEncoding();
  }
}

/** What google-protobuf's `Struct.deserializeBinary(bytes).toJavaScript()` returns. */
export function structToJavaScript(bytes: Uint8Array, decodeWithProtobuf: () => Record<string, unknown>): Record<string, unknown> {
  try {
    return new StructReader(bytes).struct();
  } catch (error) {
    if (error instanceof NotPlainEncoding) return decodeWithProtobuf();
    throw error;
  }
}

/** Marks the reader installed, so that installing twice wraps it once. */
const INSTALLED = Symbol.for("aml-auth-guard.structDecoding");

/**
 * Makes the Structs the server decodes keep their bytes, read by `toJavaScript()` when the server asks.
 * Any other use of such a Struct (its fields map, which serializing it also reads) first decodes it
 * with google-protobuf, so it is then the message google-protobuf would have made.
 */
export function decodeStructsOnDemand(): void {
  const { Struct, jspb } = serverProtobuf();
  const decode = Struct.deserializeBinaryFromReader;
  if (INSTALLED in decode) return;
  const decodeWithProtobuf = (bytes: Uint8Array): StructMessage => decode(new Struct(), new jspb.BinaryReader(bytes));
  const onDemand = (message: StructMessage, reader: BinaryReader): StructMessage => {
    const start = reader.getCursor();
    while (reader.nextField() && !reader.isEndGroup()) reader.skipField();
    // a view: the request's bytes are its own (the generated deserializer copies them), never written to
    const bytes = reader.getBuffer().subarray(start, reader.getCursor());
    // own properties in front of the prototype's methods, removed once google-protobuf decoded the message
    const pending = message as Partial<StructMessage>;
    pending.toJavaScript = () => structToJavaScript(bytes, () => decodeWithProtobuf(bytes).toJavaScript());
    pending.getFieldsMap = (noLazyCreate?: boolean): unknown => {
      delete pending.toJavaScript;
      delete pending.getFieldsMap;
      decode(message, new jspb.BinaryReader(bytes));
      return message.getFieldsMap(noLazyCreate);
    };
    return message;
  };
  Struct.deserializeBinaryFromReader = Object.assign(onDemand, { [INSTALLED]: true });
}
