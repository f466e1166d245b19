using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Usage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_ActAsSession_Organizations_OrgId",
                table: "ActAsSession");

            migrationBuilder.DropForeignKey(
                name: "FK_ActAsSession_Users_UserId",
                table: "ActAsSession");

            migrationBuilder.DropForeignKey(
                name: "FK_ChildRolePolicy_Organizations_OrgId",
                table: "ChildRolePolicy");

            migrationBuilder.DropForeignKey(
                name: "FK_ChildRolePolicy_Roles_RoleId",
                table: "ChildRolePolicy");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ChildRolePolicy",
                table: "ChildRolePolicy");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ActAsSession",
                table: "ActAsSession");

            migrationBuilder.RenameTable(
                name: "ChildRolePolicy",
                newName: "ChildRolePolicies");

            migrationBuilder.RenameTable(
                name: "ActAsSession",
                newName: "ActAsSessions");

            migrationBuilder.RenameIndex(
                name: "IX_ChildRolePolicy_RoleId",
                table: "ChildRolePolicies",
                newName: "IX_ChildRolePolicies_RoleId");

            migrationBuilder.RenameIndex(
                name: "IX_ActAsSession_UserId_EndedAt",
                table: "ActAsSessions",
                newName: "IX_ActAsSessions_UserId_EndedAt");

            migrationBuilder.RenameIndex(
                name: "IX_ActAsSession_OrgId",
                table: "ActAsSessions",
                newName: "IX_ActAsSessions_OrgId");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ChildRolePolicies",
                table: "ChildRolePolicies",
                columns: new[] { "OrgId", "RoleId" });

            migrationBuilder.AddPrimaryKey(
                name: "PK_ActAsSessions",
                table: "ActAsSessions",
                column: "Id");

            migrationBuilder.CreateTable(
                name: "UsageEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    EventId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Activity = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Credits = table.Column<long>(type: "INTEGER", nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ApiKeyId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    AssumedOrgId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_UsageEvents_Organizations_OrgId",
                        column: x => x.OrgId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "UsageRollups",
                columns: table => new
                {
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    Activity = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Day = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Credits = table.Column<long>(type: "INTEGER", nullable: false),
                    Events = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageRollups", x => new { x.OrgId, x.Activity, x.Day });
                    table.ForeignKey(
                        name: "FK_UsageRollups_Organizations_OrgId",
                        column: x => x.OrgId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UsageEvents_OrgId_EventId",
                table: "UsageEvents",
                columns: new[] { "OrgId", "EventId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UsageRollups_Day_OrgId",
                table: "UsageRollups",
                columns: new[] { "Day", "OrgId" });

            migrationBuilder.AddForeignKey(
                name: "FK_ActAsSessions_Organizations_OrgId",
                table: "ActAsSessions",
                column: "OrgId",
                principalTable: "Organizations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ActAsSessions_Users_UserId",
                table: "ActAsSessions",
                column: "UserId",
                principalTable: "Users",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ChildRolePolicies_Organizations_OrgId",
                table: "ChildRolePolicies",
                column: "OrgId",
                principalTable: "Organizations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ChildRolePolicies_Roles_RoleId",
                table: "ChildRolePolicies",
                column: "RoleId",
                principalTable: "Roles",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_ActAsSessions_Organizations_OrgId",
                table: "ActAsSessions");

            migrationBuilder.DropForeignKey(
                name: "FK_ActAsSessions_Users_UserId",
                table: "ActAsSessions");

            migrationBuilder.DropForeignKey(
                name: "FK_ChildRolePolicies_Organizations_OrgId",
                table: "ChildRolePolicies");

            migrationBuilder.DropForeignKey(
                name: "FK_ChildRolePolicies_Roles_RoleId",
                table: "ChildRolePolicies");

            migrationBuilder.DropTable(
                name: "UsageEvents");

            migrationBuilder.DropTable(
                name: "UsageRollups");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ChildRolePolicies",
                table: "ChildRolePolicies");

            migrationBuilder.DropPrimaryKey(
                name: "PK_ActAsSessions",
                table: "ActAsSessions");

            migrationBuilder.RenameTable(
                name: "ChildRolePolicies",
                newName: "ChildRolePolicy");

            migrationBuilder.RenameTable(
                name: "ActAsSessions",
                newName: "ActAsSession");

            migrationBuilder.RenameIndex(
                name: "IX_ChildRolePolicies_RoleId",
                table: "ChildRolePolicy",
                newName: "IX_ChildRolePolicy_RoleId");

            migrationBuilder.RenameIndex(
                name: "IX_ActAsSessions_UserId_EndedAt",
                table: "ActAsSession",
                newName: "IX_ActAsSession_UserId_EndedAt");

            migrationBuilder.RenameIndex(
                name: "IX_ActAsSessions_OrgId",
                table: "ActAsSession",
                newName: "IX_ActAsSession_OrgId");

            migrationBuilder.AddPrimaryKey(
                name: "PK_ChildRolePolicy",
                table: "ChildRolePolicy",
                columns: new[] { "OrgId", "RoleId" });

            migrationBuilder.AddPrimaryKey(
                name: "PK_ActAsSession",
                table: "ActAsSession",
                column: "Id");

            migrationBuilder.AddForeignKey(
                name: "FK_ActAsSession_Organizations_OrgId",
                table: "ActAsSession",
                column: "OrgId",
                principalTable: "Organizations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ActAsSession_Users_UserId",
                table: "ActAsSession",
                column: "UserId",
                principalTable: "Users",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ChildRolePolicy_Organizations_OrgId",
                table: "ChildRolePolicy",
                column: "OrgId",
                principalTable: "Organizations",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_ChildRolePolicy_Roles_RoleId",
                table: "ChildRolePolicy",
                column: "RoleId",
                principalTable: "Roles",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
