// @ts-check

/**
 * Delivery history: rollout runs, analysis checks, actors, deduplicated Events and the warm-start snapshot.
 * Plain column types only, so the same migration runs on SQLite and PostgreSQL.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('delivery_runs', table => {
    table.increments('id').primary();
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    table.string('revision', 255).nullable();
    table.text('canary_images').notNullable().defaultTo('[]');
    table.text('primary_images').notNullable().defaultTo('[]');
    table.string('started_at', 40).notNullable();
    table.string('ended_at', 40).nullable();
    table.string('outcome', 20).notNullable();
    table.integer('max_weight').notNullable().defaultTo(0);
    table.integer('max_iteration').notNullable().defaultTo(0);
    table.text('reason').nullable();
    table.index(['cluster', 'namespace', 'canary', 'started_at'], 'delivery_runs_canary_idx');
    table.index(['outcome'], 'delivery_runs_outcome_idx');
  });
  await knex.schema.createTable('delivery_checks', table => {
    table.increments('id').primary();
    table.integer('run_id').nullable().references('id').inTable('delivery_runs').onDelete('CASCADE');
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    table.string('kind', 20).notNullable();
    table.string('name', 255).notNullable();
    table.double('value').nullable();
    table.double('threshold_min').nullable();
    table.double('threshold_max').nullable();
    table.boolean('passed').notNullable();
    table.string('error_class', 40).nullable();
    table.text('message').nullable();
    table.integer('weight').nullable();
    table.integer('iteration').nullable();
    table.string('time', 40).notNullable();
    table.index(['cluster', 'namespace', 'canary', 'time'], 'delivery_checks_canary_idx');
  });
  await knex.schema.createTable('delivery_actors', table => {
    table.increments('id').primary();
    table.integer('run_id').nullable().references('id').inTable('delivery_runs').onDelete('CASCADE');
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    table.string('actor', 255).notNullable();
    table.string('action', 64).notNullable();
    table.text('comment').nullable();
    table.string('time', 40).notNullable();
    table.index(['run_id'], 'delivery_actors_run_idx');
  });
  await knex.schema.createTable('delivery_events', table => {
    table.increments('id').primary();
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    table.string('type', 20).notNullable();
    table.string('reason', 255).notNullable();
    table.text('message').notNullable();
    // Messages can be long; uniqueness is enforced on their hash.
    table.string('message_hash', 64).notNullable();
    table.string('source', 255).notNullable();
    table.string('first_time', 40).notNullable();
    table.string('last_time', 40).notNullable();
    table.integer('count').notNullable().defaultTo(1);
    table.unique(['cluster', 'namespace', 'canary', 'reason', 'message_hash', 'first_time'], {
      indexName: 'delivery_events_dedup_idx',
    });
    table.index(['cluster', 'namespace', 'canary', 'last_time'], 'delivery_events_canary_idx');
  });
  await knex.schema.createTable('delivery_snapshots', table => {
    table.string('cluster', 255).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('canary', 255).notNullable();
    table.text('summary').notNullable();
    table.string('updated_at', 40).notNullable();
    table.primary(['cluster', 'namespace', 'canary']);
  });
  await knex.schema.createTable('delivery_cluster_snapshots', table => {
    table.string('cluster', 255).primary();
    table.text('health').notNullable();
    table.string('updated_at', 40).notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('delivery_cluster_snapshots');
  await knex.schema.dropTable('delivery_snapshots');
  await knex.schema.dropTable('delivery_events');
  await knex.schema.dropTable('delivery_actors');
  await knex.schema.dropTable('delivery_checks');
  await knex.schema.dropTable('delivery_runs');
};
