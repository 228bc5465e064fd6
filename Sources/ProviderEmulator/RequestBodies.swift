// The parts of request bodies the emulator reads; everything else is skipped while decoding.

/// `POST /v1/messages/batches`: `{"requests":[{"custom_id","params"}]}`.
struct CreateBatchBody: Decodable {
    struct Entry: Decodable {
        var customID: String
        var params: ConversationBody

        private enum CodingKeys: String, CodingKey {
            case customID = "custom_id", params
        }
    }

    var requests: [Entry]
}

/// A Messages API body (batch `params`) or a chat completion body: the model, the messages,
/// which tool the reply calls and whether thinking is on.
struct ConversationBody: Decodable {
    struct Message: Decodable {
        var role: String
        var content: Content?
    }

    /// Message content: a string, or blocks/parts of which the `text` ones are read.
    struct Content: Decodable {
        var text: String

        private struct Block: Decodable {
            var text: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else {
                text = try container.decode([Block].self).compactMap(\.text).joined(separator: "\n")
            }
        }
    }

    /// A tool definition: Anthropic `{"name"}` or OpenAI `{"type":"function","function":{"name"}}`.
    struct Tool: Decodable {
        struct Function: Decodable {
            var name: String?
        }

        var name: String?
        var function: Function?
    }

    /// A tool choice: Anthropic `{"type":"tool","name"}` (or `auto`, `any`, `none`), OpenAI
    /// `{"type":"function","function":{"name"}}`, or a mode string (`"auto"`, ...), which names
    /// no tool and has no type.
    struct ToolChoice: Decodable {
        var type: String?
        var name: String?

        private struct Object: Decodable {
            var type: String?
            var name: String?
            var function: Tool.Function?
        }

        init(from decoder: any Decoder) throws {
            let object = try? decoder.singleValueContainer().decode(Object.self)
            type = object?.type
            name = object?.name ?? object?.function?.name
        }
    }

    /// Anthropic `thinking`: `{"type":"enabled"|"adaptive"|"disabled",...}`.
    struct Thinking: Decodable {
        var type: String?
    }

    /// OpenAI `metadata`, where a client may put the request's `custom_id`.
    struct Metadata: Decodable {
        var customID: String?

        private enum CodingKeys: String, CodingKey {
            case customID = "custom_id"
        }
    }

    var model: String?
    var messages: [Message]
    var tools: [Tool]?
    var toolChoice: ToolChoice?
    var thinking: Thinking?
    var metadata: Metadata?
    var user: String?

    private enum CodingKeys: String, CodingKey {
        case model, messages, tools, toolChoice = "tool_choice", thinking, metadata, user
    }

    /// The text of the last user message.
    var userText: String {
        messages.last { $0.role == "user" }?.content?.text ?? ""
    }

    /// The tool the reply calls: the one `tool_choice` names, else the first tool (the emulated
    /// model always calls a tool it is offered); nil without tools.
    var toolName: String? {
        guard let tools, !tools.isEmpty else { return nil }
        return toolChoice?.name ?? tools.compactMap { $0.name ?? $0.function?.name }.first
    }

    /// The `invalid_request_error` message the Messages API answers these params with, nil when
    /// it accepts them: thinking on (any `thinking` type but `disabled`) while `tool_choice`
    /// forces tool use (`tool` or `any`) is refused.
    var rejection: String? {
        guard let thinking, thinking.type != "disabled", ["tool", "any"].contains(toolChoice?.type) else { return nil }
        return "Thinking may not be enabled when tool_choice forces tool use."
    }
}

/// `POST /v1/embeddings`.
struct EmbeddingsBody: Decodable {
    var model: String?
    var input: [String]
    var encodingFormat: String?
    var dimensions: Int?

    private enum CodingKeys: String, CodingKey {
        case model, input, encodingFormat = "encoding_format", dimensions
    }

    /// Signals an `input` that is neither a string nor an array of strings (e.g. token arrays).
    struct UnsupportedInput: Error {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        encodingFormat = try container.decodeIfPresent(String.self, forKey: .encodingFormat)
        dimensions = try container.decodeIfPresent(Int.self, forKey: .dimensions)
        if let text = try? container.decode(String.self, forKey: .input) {
            input = [text]
        } else if let texts = try? container.decode([String].self, forKey: .input) {
            input = texts
        } else {
            throw UnsupportedInput()
        }
    }
}
