# The two DynamoDB tables, with the schema `CREATE_TABLES=true` creates (src/store/dynamodb/tables.ts,
# docs/storage.md "Tables"): string PK hash key, string SK range key, on demand, TTL on `ttl`, and on
# the guild table the `inverted` index (hash SK, range PK, keys only) that lists a user's guilds.
# Or, with create_tables = false, tables another stack made, read by name and checked for that schema.

locals {
  # The attribute the store writes expiry times to (TTL_ATTRIBUTE in src/store/dynamodb/config.ts).
  ttl_attribute = "ttl"
  # The guild table's index (INVERTED_INDEX in src/store/dynamodb/keys.ts).
  inverted_index = "inverted"

  tables = {
    core  = { name = var.core_table_name, inverted = false }
    guild = { name = var.guild_table_name, inverted = true }
  }
  created  = var.create_tables ? local.tables : {}
  existing = var.create_tables ? {} : local.tables

  arns = {
    for k, t in local.tables : k => var.create_tables ? aws_dynamodb_table.this[k].arn : data.aws_dynamodb_table.existing[k].arn
  }
}

resource "aws_dynamodb_table" "this" {
  for_each = local.created

  name                        = each.value.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "PK"
  range_key                   = "SK"
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  attribute {
    name = "PK"
    type = "S"
  }

  attribute {
    name = "SK"
    type = "S"
  }

  dynamic "global_secondary_index" {
    for_each = each.value.inverted ? [local.inverted_index] : []
    content {
      name            = global_secondary_index.value
      hash_key        = "SK"
      range_key       = "PK"
      projection_type = "KEYS_ONLY"
    }
  }

  ttl {
    attribute_name = local.ttl_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled                 = var.point_in_time_recovery
    recovery_period_in_days = var.point_in_time_recovery ? var.point_in_time_recovery_days : null
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  lifecycle {
    precondition {
      condition     = var.kms_key_arn != null
      error_message = "kms_key_arn is required when create_tables is true: the tables are encrypted with the customer-managed key."
    }
  }
}

# Tables made by another stack ("the database stack deployed first"): the plan fails, naming the
# table, when one lacks the key schema or the index the server checks for at start.
data "aws_dynamodb_table" "existing" {
  for_each = local.existing

  name = each.value.name

  lifecycle {
    postcondition {
      condition     = self.hash_key == "PK" && self.range_key == "SK"
      error_message = "DynamoDB table ${each.value.name} must have the string PK hash key and string SK range key (docs/storage.md)."
    }
    postcondition {
      condition = !each.value.inverted || anytrue([
        for i in self.global_secondary_index : i.name == local.inverted_index && i.hash_key == "SK" && i.range_key == "PK"
      ])
      error_message = "DynamoDB table ${each.value.name} must have the global secondary index inverted (hash SK, range PK, keys only; docs/storage.md)."
    }
  }
}
