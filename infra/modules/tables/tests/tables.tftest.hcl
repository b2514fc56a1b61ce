# The tables as CREATE_TABLES makes them (src/store/dynamodb/tables.ts; test/infra/tables-schema.test.ts
# compares the planned tables with tables.ts itself), with what production adds: PITR, SSE with the
# customer-managed key, deletion protection. And the existing-tables mode.

mock_provider "aws" {
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock" }
  }
}

variables {
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "both_tables_have_the_store_key_schema" {
  command = plan

  assert {
    condition     = toset(keys(aws_dynamodb_table.this)) == toset(["core", "guild"])
    error_message = "two tables are created"
  }
  assert {
    condition     = aws_dynamodb_table.this["core"].name == "gg_core" && aws_dynamodb_table.this["guild"].name == "gg_guild"
    error_message = "default names gg_core and gg_guild"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.hash_key == "PK" && t.range_key == "SK"])
    error_message = "hash key PK, range key SK"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.attribute == toset([{ name = "PK", type = "S" }, { name = "SK", type = "S" }])])
    error_message = "PK and SK are strings, and no other attribute is declared"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.billing_mode == "PAY_PER_REQUEST"])
    error_message = "on-demand billing"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.ttl[0].attribute_name == "ttl" && t.ttl[0].enabled])
    error_message = "TTL on the ttl attribute"
  }
}

run "only_the_guild_table_has_the_inverted_index" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.this["core"].global_secondary_index) == 0 && length(aws_dynamodb_table.this["core"].local_secondary_index) == 0
    error_message = "the core table has no secondary index"
  }
  assert {
    condition = [for i in aws_dynamodb_table.this["guild"].global_secondary_index : {
      name = i.name, hash_key = i.hash_key, range_key = i.range_key, projection_type = i.projection_type
      }] == [{
      name = "inverted", hash_key = "SK", range_key = "PK", projection_type = "KEYS_ONLY"
    }]
    error_message = "the guild table has one GSI, inverted: hash SK, range PK, keys only"
  }
  assert {
    condition     = length(aws_dynamodb_table.this["guild"].local_secondary_index) == 0
    error_message = "no LSI (it would cap a room's item collection at 10 GB)"
  }
}

run "production_protections" {
  command = plan

  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.point_in_time_recovery[0].enabled && t.point_in_time_recovery[0].recovery_period_in_days == 35])
    error_message = "point-in-time recovery on, 35 days"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.server_side_encryption[0].enabled && t.server_side_encryption[0].kms_key_arn == var.kms_key_arn])
    error_message = "encrypted with the customer-managed key"
  }
  assert {
    condition     = alltrue([for t in aws_dynamodb_table.this : t.deletion_protection_enabled])
    error_message = "deletion protection on"
  }
}

run "outputs_name_the_tables_and_the_index" {
  assert {
    condition     = output.core_table_name == "gg_core" && output.guild_table_name == "gg_guild"
    error_message = "table names"
  }
  assert {
    condition     = output.guild_inverted_index_arn == "${aws_dynamodb_table.this["guild"].arn}/index/inverted"
    error_message = "the index ARN is the guild table's ARN + /index/inverted"
  }
  assert {
    condition     = output.table_arns == [aws_dynamodb_table.this["core"].arn, aws_dynamodb_table.this["guild"].arn]
    error_message = "table_arns: core then guild"
  }
}

run "created_tables_need_the_key" {
  command = plan

  variables {
    kms_key_arn = null
  }

  expect_failures = [aws_dynamodb_table.this]
}

run "rejects_a_bad_table_name" {
  command = plan

  variables {
    core_table_name = "gg core"
  }

  expect_failures = [var.core_table_name]
}

run "existing_tables_are_read_not_created" {
  variables {
    create_tables    = false
    kms_key_arn      = null
    core_table_name  = "goalsguild-core"
    guild_table_name = "goalsguild-guild"
  }

  override_data {
    target = data.aws_dynamodb_table.existing["core"]
    values = {
      arn                    = "arn:aws:dynamodb:eu-west-1:123456789012:table/goalsguild-core", hash_key = "PK", range_key = "SK"
      global_secondary_index = []
    }
  }
  override_data {
    target = data.aws_dynamodb_table.existing["guild"]
    values = {
      arn                    = "arn:aws:dynamodb:eu-west-1:123456789012:table/goalsguild-guild", hash_key = "PK", range_key = "SK"
      global_secondary_index = [{ name = "inverted", hash_key = "SK", range_key = "PK", projection_type = "KEYS_ONLY", non_key_attributes = [], read_capacity = 0, write_capacity = 0 }]
    }
  }

  assert {
    condition     = length(aws_dynamodb_table.this) == 0
    error_message = "no table is created"
  }
  assert {
    condition     = output.core_table_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/goalsguild-core"
    error_message = "the existing core table's ARN"
  }
  assert {
    condition     = output.guild_inverted_index_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/goalsguild-guild/index/inverted"
    error_message = "the existing guild table's index ARN"
  }
}

run "an_existing_guild_table_without_the_index_fails_the_plan" {
  command = plan

  variables {
    create_tables = false
  }

  override_data {
    target = data.aws_dynamodb_table.existing["core"]
    values = { hash_key = "PK", range_key = "SK", global_secondary_index = [] }
  }
  override_data {
    target = data.aws_dynamodb_table.existing["guild"]
    values = { hash_key = "PK", range_key = "SK", global_secondary_index = [] }
  }

  expect_failures = [data.aws_dynamodb_table.existing]
}

run "an_existing_table_with_other_keys_fails_the_plan" {
  command = plan

  variables {
    create_tables = false
  }

  override_data {
    target = data.aws_dynamodb_table.existing["core"]
    values = { hash_key = "id", range_key = "", global_secondary_index = [] }
  }
  override_data {
    target = data.aws_dynamodb_table.existing["guild"]
    values = {
      hash_key               = "PK", range_key = "SK"
      global_secondary_index = [{ name = "inverted", hash_key = "SK", range_key = "PK", projection_type = "KEYS_ONLY", non_key_attributes = [], read_capacity = 0, write_capacity = 0 }]
    }
  }

  expect_failures = [data.aws_dynamodb_table.existing]
}
